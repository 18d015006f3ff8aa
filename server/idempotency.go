package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/idempotencykey"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// IdempotencyHeader is the request header that makes a mutation safe to retry.
const IdempotencyHeader = "Idempotency-Key"

// idempotencyTTL is how long a key is remembered.
const idempotencyTTL = 24 * time.Hour

// idempotent is a mutation request that carries an Idempotency-Key. The key is the sending
// member's own: the same key from another member is another key.
type idempotent struct {
	key    string
	hash   string
	tenant string
	member string
	role   enum.Role
}

// idempotencyOf reads the request's key, or returns nil when it has none.
func idempotencyOf(ctx context.Context, oc *graphql.OperationContext) (*idempotent, error) {
	key := oc.Headers.Get(IdempotencyHeader)
	if key == "" {
		return nil, nil
	}
	if len(key) > 255 {
		return nil, errs.Invalidf(IdempotencyHeader, "is longer than 255 characters")
	}
	v, ok := viewer.FromContext(ctx)
	if !ok || v.MemberID == "" {
		return nil, errs.E(errs.Unauthenticated, "an Idempotency-Key needs a signed-in member")
	}
	vars, err := json.Marshal(oc.Variables) // maps marshal with sorted keys: the same request hashes the same
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	sum.Write([]byte(oc.RawQuery))
	sum.Write([]byte{0})
	sum.Write([]byte(oc.OperationName))
	sum.Write([]byte{0})
	sum.Write(vars)
	return &idempotent{key: key, hash: hex.EncodeToString(sum.Sum(nil)), tenant: v.TenantID, member: v.MemberID, role: v.Role}, nil
}

// allow lets the server read and write the keys, which the data layer keeps to it.
func allow(ctx context.Context) context.Context { return privacy.DecisionContext(ctx, privacy.Allow) }

// stored returns the live stored key, if any; an expired one is deleted.
func (k *idempotent) stored(ctx context.Context, c *ent.Client) (*ent.IdempotencyKey, error) {
	row, err := c.IdempotencyKey.Query().
		Where(k.is()).
		Only(allow(ctx))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if time.Since(row.CreatedAt) > idempotencyTTL {
		return nil, c.IdempotencyKey.DeleteOne(row).Exec(allow(ctx))
	}
	return row, nil
}

// claim records the key in the mutation's transaction, before the mutation runs. Another
// request holding the same key waits here until the first one commits or rolls back.
func (k *idempotent) claim(ctx context.Context, c *ent.Client) error {
	if rand.IntN(100) == 0 { // now and then, forget the keys that have expired
		_, err := c.IdempotencyKey.Delete().
			Where(idempotencykey.TenantID(k.tenant), idempotencykey.CreatedAtLT(time.Now().Add(-idempotencyTTL))).
			Exec(allow(ctx))
		if err != nil {
			return err
		}
	}
	return c.IdempotencyKey.Create().
		SetTenantID(k.tenant).
		SetMemberID(k.member).
		SetKey(k.key).
		SetRole(k.role).
		SetRequestHash(k.hash).
		Exec(allow(ctx))
}

// remember stores the response sent for the key.
func (k *idempotent) remember(ctx context.Context, c *ent.Client, resp *graphql.Response) error {
	raw, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	_, err = c.IdempotencyKey.Update().
		Where(k.is()).
		SetResponse(raw).
		Save(allow(ctx))
	return err
}

// is selects the stored key: the member's own, in their tenant.
func (k *idempotent) is() predicate.IdempotencyKey {
	return idempotencykey.And(idempotencykey.TenantID(k.tenant), idempotencykey.MemberID(k.member), idempotencykey.Key(k.key))
}

// replay answers with the stored response of the same request, or refuses another request
// under the same key. The member's role decides what they may see, so a response stored under
// another role is not replayed: it may hold what the current role may not get.
func (k *idempotent) replay(row *ent.IdempotencyKey) (*graphql.Response, error) {
	if row.RequestHash != k.hash {
		return nil, &errs.Error{Kind: errs.Conflict, Field: IdempotencyHeader,
			Message: "you used this key with a different request in the last 24 hours"}
	}
	if row.Role != k.role {
		return nil, &errs.Error{Kind: errs.Forbidden, Field: IdempotencyHeader,
			Message: fmt.Sprintf("the request under this key ran when your role was %s; its response is not replayed to your role %s", row.Role, k.role)}
	}
	var resp graphql.Response
	if err := json.Unmarshal(row.Response, &resp); err != nil {
		return nil, errs.Wrap(err, "reading the stored response")
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["idempotentReplay"] = true
	return &resp, nil
}
