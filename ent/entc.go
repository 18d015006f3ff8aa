//go:build ignore

// entc.go generates the ent code and the GraphQL schema of the data model from ./schema.
// Run it through `go generate ./...` from the module root, which then runs gqlgen.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	"github.com/stakegraph/stakegraph/schema/apidoc"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithSchemaHook(apidoc.Hook),
	)
	if err != nil {
		log.Fatalf("creating the entgql extension: %v", err)
	}
	templates := append(entgql.AllTemplates,
		gen.MustParse(gen.NewTemplate("stakegraph").ParseGlob("./schema/template/*.tmpl")))
	err = entc.Generate("./schema", &gen.Config{
		Target:    "./ent",
		Package:   "github.com/stakegraph/stakegraph/ent",
		Templates: templates,
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureUpsert,
			gen.FeatureExecQuery,
			gen.FeatureModifier,
			gen.FeatureLock,
			gen.FeatureIntercept,
			gen.FeatureNamedEdges,
		},
	}, entc.Extensions(ex))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
