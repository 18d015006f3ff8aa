package schema

import "github.com/stakegraph/stakegraph/schema/apidoc"

// The descriptions of the enums that several fields share, for the API.
var (
	channelDoc = apidoc.Enum{
		Type: "The medium through which feedback or an interaction arrived.",
		Values: map[string]string{
			"EMAIL":           "By email.",
			"CALL":            "On a phone or video call.",
			"CHAT":            "In a chat.",
			"MEETING":         "In a meeting.",
			"SURVEY":          "In answer to a survey.",
			"COUNCIL_SESSION": "At a session of a user council.",
			"SUPPORT":         "Through the support desk.",
			"WEB":             "Through a web form or the product itself.",
			"SMS":             "By text message.",
		},
	}
	personaDoc = apidoc.Enum{
		Type: "The side of an account a voice comes from: the people who buy, or the people who use the product.",
		Values: map[string]string{
			"PURCHASER": "The voice of the purchaser: a buying contact of the account.",
			"END_USER":  "The voice of the end user: an end user of the account.",
		},
	}
	roleDoc = apidoc.Enum{
		Type: "What a member of the seller's staff may see and do. It comes from the roles claim of their token.",
		Values: map[string]string{
			"ADMIN": "The whole tenant: every account, members, teams, owners across teams, deletes.",
			"MANAGER": "The accounts owned by themselves or by members of the teams they manage: edits them and " +
				"reassigns them within those teams.",
			"KEY_ACCOUNT_MANAGER": "The accounts they own: edits them, captures feedback, creates accounts (owned by " +
				"them); no deletes, no reassigning.",
			"ANALYST":     "Reads the whole tenant; changes nothing.",
			"INTEGRATION": "Reads, writes, syncs and deletes across the tenant, and reads the change journal.",
		},
	}
)
