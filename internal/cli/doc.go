// Package cli is the key-account manager's command line: the admin commands of the
// stakegraph binary, built on the generated client (package client).
//
// Log in once; the token is kept in os.UserConfigDir()/stakegraph/credentials.json (mode
// 0600) with the server's URL, and every command uses STAKEGRAPH_TOKEN instead when it is set:
//
//	stakegraph login --server http://127.0.0.1:8080 --token "$(stakegraph token --role KEY_ACCOUNT_MANAGER --subject you)"
//	stakegraph login --issuer https://idp.example.com/realms/acme   # OIDC device flow (RFC 8628)
//	stakegraph whoami
//	stakegraph logout
//
// Read and write:
//
//	stakegraph accounts list [--mine] [--tier KEY,STRATEGIC] [--stage ACTIVE] [--at-risk]
//	stakegraph accounts show Globex                  # by id, external id or name
//	stakegraph accounts gap Globex --since 90d       # purchasers vs end users, side by side
//	stakegraph feedback add --account Globex --author ann@globex.example --kind NPS --score 4 --channel SURVEY
//	stakegraph contacts add --account Globex --email bo@globex.example --name "Bo Li" --role ECONOMIC_BUYER --primary
//	stakegraph endusers add --account Globex --email cy@globex.example --name "Cy Ode" --licensed
//	stakegraph councils list|show|create|add-member|record-session
//
// Move data in bulk (import upserts by external id through bulk sync, 1000 rows a call, and
// writes failed rows with an error column to FILE.failed.csv; the columns are documented by
// `stakegraph import --help`):
//
//	stakegraph import accounts accounts.csv
//	stakegraph import people people.csv
//	stakegraph import contracts contracts.csv
//	stakegraph export accounts|people|contracts|feedback [--format csv|json] [-o FILE]
//
// Tables are for people; --json prints a stable JSON document for scripts. Exit codes: 0 ok,
// 1 error, 2 usage, 3 authentication or permission (UNAUTHENTICATED, FORBIDDEN), 4 not
// found, 5 an import with failed rows. Errors name the API's extensions.code and field.
//
// The commands take their streams, environment and config directory from an [Env], so that
// tests run them in-process: Run(ctx, env, "accounts", "list", "--json").
package cli
