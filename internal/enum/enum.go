// Package enum defines the enumerations that the data model, the API and the access rules share.
package enum

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Role is what a member of the seller's staff may do.
type Role string

// The roles of DESIGN.md's "Access" section.
const (
	RoleAdmin             Role = "ADMIN"
	RoleManager           Role = "MANAGER"
	RoleKeyAccountManager Role = "KEY_ACCOUNT_MANAGER"
	RoleAnalyst           Role = "ANALYST"
	RoleIntegration       Role = "INTEGRATION"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleManager, RoleKeyAccountManager, RoleAnalyst, RoleIntegration}

// Channel is the medium through which feedback or an interaction arrived.
type Channel string

// The channels of an eCRM back end.
const (
	ChannelEmail          Channel = "EMAIL"
	ChannelCall           Channel = "CALL"
	ChannelChat           Channel = "CHAT"
	ChannelMeeting        Channel = "MEETING"
	ChannelSurvey         Channel = "SURVEY"
	ChannelCouncilSession Channel = "COUNCIL_SESSION"
	ChannelSupport        Channel = "SUPPORT"
	ChannelWeb            Channel = "WEB"
	ChannelSMS            Channel = "SMS"
)

// Channels lists every channel.
var Channels = []Channel{ChannelEmail, ChannelCall, ChannelChat, ChannelMeeting, ChannelSurvey,
	ChannelCouncilSession, ChannelSupport, ChannelWeb, ChannelSMS}

// Persona is the side of the account a voice comes from.
type Persona string

// The two voices of an account.
const (
	PersonaPurchaser Persona = "PURCHASER"
	PersonaEndUser   Persona = "END_USER"
)

// Personas lists both personas.
var Personas = []Persona{PersonaPurchaser, PersonaEndUser}

// BuyingRole is a part a buying contact plays in a purchase.
type BuyingRole string

// The buying roles of DESIGN.md.
const (
	BuyingRoleEconomicBuyer    BuyingRole = "ECONOMIC_BUYER"
	BuyingRoleDecisionMaker    BuyingRole = "DECISION_MAKER"
	BuyingRoleTechnicalBuyer   BuyingRole = "TECHNICAL_BUYER"
	BuyingRoleEvaluator        BuyingRole = "EVALUATOR"
	BuyingRoleChampion         BuyingRole = "CHAMPION"
	BuyingRoleInfluencer       BuyingRole = "INFLUENCER"
	BuyingRoleExecutiveSponsor BuyingRole = "EXECUTIVE_SPONSOR"
	BuyingRoleProcurement      BuyingRole = "PROCUREMENT"
	BuyingRoleLegal            BuyingRole = "LEGAL"
	BuyingRoleOther            BuyingRole = "OTHER"
)

// BuyingRoles lists every buying role.
var BuyingRoles = []BuyingRole{BuyingRoleEconomicBuyer, BuyingRoleDecisionMaker, BuyingRoleTechnicalBuyer,
	BuyingRoleEvaluator, BuyingRoleChampion, BuyingRoleInfluencer, BuyingRoleExecutiveSponsor,
	BuyingRoleProcurement, BuyingRoleLegal, BuyingRoleOther}

// Values lets ent store roles as an enum column.
func (Role) Values() []string { return names(Roles) }

// Values lets ent store channels as an enum column.
func (Channel) Values() []string { return names(Channels) }

// Values lets ent store personas as an enum column.
func (Persona) Values() []string { return names(Personas) }

// Values lets ent store buying roles as an enum column.
func (BuyingRole) Values() []string { return names(BuyingRoles) }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// MarshalGQL writes the role as a GraphQL enum value.
func (r Role) MarshalGQL(w io.Writer) { marshal(w, r) }

// UnmarshalGQL reads a GraphQL enum value, refusing unknown ones.
func (r *Role) UnmarshalGQL(v any) error { return unmarshal(v, r, Roles, "Role") }

// MarshalGQL writes the channel as a GraphQL enum value.
func (c Channel) MarshalGQL(w io.Writer) { marshal(w, c) }

// UnmarshalGQL reads a GraphQL enum value, refusing unknown ones.
func (c *Channel) UnmarshalGQL(v any) error { return unmarshal(v, c, Channels, "Channel") }

// MarshalGQL writes the persona as a GraphQL enum value.
func (p Persona) MarshalGQL(w io.Writer) { marshal(w, p) }

// UnmarshalGQL reads a GraphQL enum value, refusing unknown ones.
func (p *Persona) UnmarshalGQL(v any) error { return unmarshal(v, p, Personas, "Persona") }

// MarshalGQL writes the buying role as a GraphQL enum value.
func (b BuyingRole) MarshalGQL(w io.Writer) { marshal(w, b) }

// UnmarshalGQL reads a GraphQL enum value, refusing unknown ones.
func (b *BuyingRole) UnmarshalGQL(v any) error { return unmarshal(v, b, BuyingRoles, "BuyingRole") }

func names[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func marshal[T ~string](w io.Writer, v T) { _, _ = io.WriteString(w, strconv.Quote(string(v))) }

func unmarshal[T ~string](v any, dst *T, known []T, typeName string) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s must be a string, got %T", typeName, v)
	}
	if !slices.Contains(known, T(s)) {
		return fmt.Errorf("%q is not a valid %s", s, typeName)
	}
	*dst = T(s)
	return nil
}
