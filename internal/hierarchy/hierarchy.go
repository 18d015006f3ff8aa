// Package hierarchy keeps the account hierarchy a tree of at most MaxLevels levels. It is the
// rule's one home: the account hook checks the one link it writes, bulk sync and the scale
// generator the links of their batch, reading the stored hierarchy one query per level.
package hierarchy

import (
	"context"
	"fmt"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/ent/privacy"
)

// MaxLevels is how deep the hierarchy may be: a top-level account is on level 1, its
// subsidiaries on level 2.
const MaxLevels = 50

// readBatch bounds the ids of one IN list.
const readBatch = 1000

// A Link gives an account a parent; an empty Parent makes it top-level.
type Link struct {
	Account string
	Parent  string
	// Stored says the account exists already, so that it may have subsidiaries that move
	// with it. A new account has none but those its batch gives it.
	Stored bool
}

// The reasons a link is refused.
const (
	Loop     = "would make the account its own ancestor"
	TooDeep  = "would make the account hierarchy deeper than 50 levels"
	overLoop = "would put the account below a loop of parents"
)

// Refusals says of each link why it cannot be stored together with the others, or "" when it
// can: the account would become its own ancestor, or the account, with the subsidiaries that
// move with it, would reach below level MaxLevels. The links are taken together: a batch may
// name a parent that another of its links places. It reads the tenant's whole hierarchy,
// whoever asks: the ancestors of an account one sees may be hidden from one.
func Refusals(ctx context.Context, c *ent.Client, tenantID string, links []Link) ([]string, error) {
	h := &tree{
		ctx:      privacy.DecisionContext(ctx, privacy.Allow),
		c:        c,
		tenantID: tenantID,
		proposed: make(map[string]string, len(links)),
		stored:   map[string]string{},
		children: map[string][]string{},
		placed:   map[string][]string{},
	}
	var stored []string
	for _, l := range links {
		h.proposed[l.Account] = l.Parent
		if l.Parent != "" {
			h.placed[l.Parent] = append(h.placed[l.Parent], l.Account)
		}
		if l.Stored {
			stored = append(stored, l.Account)
		}
	}
	if err := h.loadAncestors(); err != nil {
		return nil, err
	}
	if err := h.loadDescendants(stored); err != nil {
		return nil, err
	}
	reasons := make([]string, len(links))
	for i, l := range links {
		reasons[i] = h.refusal(l.Account)
	}
	return reasons, nil
}

// tree is the hierarchy as the links would leave it, with as much of the stored one as they
// reach.
type tree struct {
	ctx      context.Context
	c        *ent.Client
	tenantID string
	proposed map[string]string   // account → parent, as the links set it
	stored   map[string]string   // account → stored parent ("" for none), as read
	children map[string][]string // stored subsidiaries whose link stays, as read
	placed   map[string][]string // subsidiaries the links place
}

// parent returns the account's parent once the links are stored.
func (h *tree) parent(id string) string {
	if p, ok := h.proposed[id]; ok {
		return p
	}
	return h.stored[id]
}

// loadAncestors reads the stored parents of the accounts the links lead to, a level a query.
func (h *tree) loadAncestors() error {
	var next []string
	for _, p := range h.proposed {
		next = append(next, p)
	}
	for level := 0; level <= MaxLevels; level++ {
		var ask []string
		for _, id := range next {
			_, placed := h.proposed[id]
			_, read := h.stored[id]
			if id != "" && !placed && !read {
				h.stored[id] = ""
				ask = append(ask, id)
			}
		}
		if len(ask) == 0 {
			return nil
		}
		next = next[:0]
		err := h.read(account.IDIn, ask, func(id, parent string) {
			h.stored[id] = parent
			next = append(next, parent)
		})
		if err != nil {
			return fmt.Errorf("reading the account hierarchy: %w", err)
		}
	}
	return nil
}

// loadDescendants reads the stored subsidiaries of the accounts, a level a query, leaving out
// those the links move elsewhere.
func (h *tree) loadDescendants(accounts []string) error {
	seen := map[string]bool{}
	next := accounts
	for level := 0; level <= MaxLevels && len(next) > 0; level++ {
		var ask []string
		for _, id := range next {
			if !seen[id] {
				seen[id] = true
				ask = append(ask, id)
			}
		}
		next = nil
		err := h.read(account.ParentIDIn, ask, func(id, parent string) {
			if _, moved := h.proposed[id]; !moved {
				h.children[parent] = append(h.children[parent], id)
				next = append(next, id)
			}
		})
		if err != nil {
			return fmt.Errorf("reading the account hierarchy: %w", err)
		}
	}
	return nil
}

// read passes the id and parent of the accounts that match where for ids, readBatch at a time.
func (h *tree) read(where func(...string) predicate.Account, ids []string, fn func(id, parent string)) error {
	for start := 0; start < len(ids); start += readBatch {
		var rows []struct {
			ID       string  `json:"id"`
			ParentID *string `json:"parent_id"`
		}
		err := h.c.Account.Query().Where(account.TenantID(h.tenantID), where(ids[start:min(start+readBatch, len(ids))]...)).
			Select(account.FieldID, account.FieldParentID).Scan(h.ctx, &rows)
		if err != nil {
			return err
		}
		for _, r := range rows {
			parent := ""
			if r.ParentID != nil {
				parent = *r.ParentID
			}
			fn(r.ID, parent)
		}
	}
	return nil
}

// refusal says why the account's link is refused, or "".
func (h *tree) refusal(id string) string {
	level := 1
	seen := map[string]bool{id: true}
	for at := h.parent(id); at != ""; at = h.parent(at) {
		switch {
		case at == id:
			return Loop
		case seen[at]:
			return overLoop
		}
		seen[at] = true
		if level++; level > MaxLevels {
			return TooDeep
		}
	}
	if level+h.height(id) > MaxLevels {
		return TooDeep
	}
	return ""
}

// height counts the levels of subsidiaries below the account once the links are stored, up to
// MaxLevels.
func (h *tree) height(id string) int {
	height := 0
	for level := []string{id}; height < MaxLevels; height++ {
		var next []string
		for _, at := range level {
			next = append(next, h.children[at]...)
			next = append(next, h.placed[at]...)
		}
		if len(next) == 0 {
			break
		}
		level = next
	}
	return height
}
