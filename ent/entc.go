//go:build ignore

// entc.go generates the ent code and the GraphQL schema of the data model from ./schema.
// Run it through `go generate ./...` from the module root, which then runs gqlgen.
package main

import (
	"log"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stakegraph/stakegraph/schema/apidoc"
)

func main() {
	// schema/template/gql_collection.tmpl replaces entgql's field collection template: its
	// row limits number ids only.
	var entgqlTemplates []*gen.Template
	for _, t := range entgql.AllTemplates {
		if t != entgql.CollectionTemplate {
			entgqlTemplates = append(entgqlTemplates, t)
		}
	}
	ex, err := entgql.NewExtension(
		entgql.WithTemplates(entgqlTemplates...),
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithSchemaHook(visibleEdgesDirective),
		entgql.WithSchemaHook(apidoc.Hook),
	)
	if err != nil {
		log.Fatalf("creating the entgql extension: %v", err)
	}
	templates := []*gen.Template{
		gen.MustParse(gen.NewTemplate("stakegraph").Funcs(entgql.TemplateFuncs).ParseGlob("./schema/template/*.tmpl")),
	}
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

// visibleEdgesDirective marks every where input of the schema with @visibleEdges. gqlgen runs
// an input object's directives each time it unmarshals one, with the request's context: for
// a resolver's arguments, for the arguments that ent's field collection reads to load nested
// edges eagerly, and for every where input nested in another (not, and, or, hasXWith). So
// the rule that edge predicates see only visible rows (ent.VisibleEdges) has one hook that no
// where input, present or future, can miss.
func visibleEdgesDirective(_ *gen.Graph, s *ast.Schema) error {
	const name = "visibleEdges"
	s.Directives[name] = &ast.DirectiveDefinition{
		Name:        name,
		Description: "The edge predicates of the where input see only the rows the viewer may read.",
		Locations:   []ast.DirectiveLocation{ast.LocationInputObject},
	}
	for _, def := range s.Types {
		if def.Kind == ast.InputObject && strings.HasSuffix(def.Name, "WhereInput") {
			def.Directives = append(def.Directives, &ast.Directive{Name: name, Location: ast.LocationInputObject})
		}
	}
	return nil
}
