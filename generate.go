// Package stakegraph is a B2B account and stakeholder management API: the graph of a
// seller's customer accounts, with the voice of the purchaser and of the end user side by
// side. The binary is in cmd/stakegraph; this file only drives code generation.
package stakegraph

// Generate ent (with the GraphQL schema of the data model), then the GraphQL server, then the
// typed Go client from its operations (client/operations) against that schema, and the API
// tests' typed client from theirs (internal/apitest/gqltest/operations).
//go:generate go run ./ent/entc.go
//go:generate go tool gqlgen generate --config gqlgen.yml
//go:generate go tool genqlient client/genqlient.yaml
//go:generate go tool genqlient internal/apitest/gqltest/genqlient.yaml
