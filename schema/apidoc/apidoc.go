// Package apidoc describes the GraphQL schema that entgql generates from the ent schemas.
// Types take their description from the schema's Comment annotation, fields and edges from
// their Comment, enum values from an Enum annotation; the boilerplate that every entity
// shares (ids, the ids of edges, mutation inputs, where-input operators, orderings) is
// described here once, in the same words for every entity.
package apidoc

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc/gen"
	entschema "entgo.io/ent/schema"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stakegraph/stakegraph/schema/pulid"
)

// Enum describes an enum field's GraphQL type and each of its values. Fields that share an
// enum type (Channel on feedback and on interactions) share one Enum.
type Enum struct {
	// Type describes the enum type; without it, the field's Comment does.
	Type string
	// Values describes each value by name; every value needs one.
	Values map[string]string
}

// Name implements schema.Annotation.
func (Enum) Name() string { return "APIDocEnum" }

var (
	camel    = gen.Funcs["camel"].(func(string) string)
	pascal   = gen.Funcs["pascal"].(func(string) string)
	singular = gen.Funcs["singular"].(func(string) string)
)

// Hook fills in the descriptions of the generated schema; run it with entgql.WithSchemaHook.
// Descriptions already set are kept, but for entgql's restatements of names, which it
// replaces. It fails on an Enum annotation that does not match its field's values.
func Hook(g *gen.Graph, s *ast.Schema) error {
	for _, t := range g.Nodes {
		d := describer{t: t, s: s, fields: map[string]string{}}
		if err := d.describe(); err != nil {
			return fmt.Errorf("apidoc: %s: %w", t.Name, err)
		}
	}
	if def := s.Types["Query"]; def != nil && def.Description == "" {
		def.Description = "What a caller may read: every list is a Relay connection of what the caller's role lets them see."
	}
	if def := s.Types["Time"]; def != nil {
		def.Description = "A date and time in RFC 3339 form with its offset, e.g. 2025-01-31T09:30:00Z or 2025-01-31T10:30:00.250+01:00."
	}
	return nil
}

// describer describes the GraphQL types generated from one ent type.
type describer struct {
	t      *gen.Type
	s      *ast.Schema
	fields map[string]string // the object's fields' descriptions, by GraphQL name
	edges  map[string]*gen.Edge
}

func (d *describer) describe() error {
	d.edges = map[string]*gen.Edge{}
	for _, e := range d.t.Edges {
		d.edges[camel(e.Name)] = e
	}
	obj := d.s.Types[d.t.Name]
	if obj != nil {
		if c := typeComment(d.t); c != "" {
			obj.Description = c
		}
		if err := d.object(obj); err != nil {
			return err
		}
	}
	if err := d.orderFields(); err != nil {
		return err
	}
	d.mutationInput("Create"+d.t.Name+"Input", fmt.Sprintf("The fields of a new %s; a field left out takes its default.", words(d.t.Name)))
	d.mutationInput("Update"+d.t.Name+"Input", fmt.Sprintf(
		"Changes to a %s: a field left out keeps its value, a `clear…` field set to true empties its field.", words(d.t.Name)))
	d.whereInput()
	return nil
}

// object describes the object's id, fields, edges and the enum types of its fields.
func (d *describer) object(obj *ast.Definition) error {
	d.fields["id"] = fmt.Sprintf("The %s's id: opaque, unique across tenants, starting `%s_`.", words(d.t.Name), prefix(d.t))
	for _, f := range d.t.Fields {
		name := camel(f.Name)
		switch {
		case f.Comment() != "":
			d.fields[name] = f.Comment()
		case f.IsEdgeField():
			d.fields[name] = edgeIDDoc(f)
		}
	}
	for name, e := range d.edges {
		if e.Comment() != "" {
			d.fields[name] = e.Comment()
		}
	}
	for _, fd := range obj.Fields {
		if fd.Description == "" {
			fd.Description = d.fields[fd.Name]
		}
	}
	for _, f := range d.t.Fields {
		fd := obj.Fields.ForName(camel(f.Name))
		if fd == nil || !f.IsEnum() {
			continue
		}
		if err := d.enum(f, d.s.Types[fd.Type.Name()]); err != nil {
			return err
		}
	}
	return nil
}

// enum describes an enum field's type and values.
func (d *describer) enum(f *gen.Field, def *ast.Definition) error {
	if def == nil || def.Kind != ast.Enum {
		return nil
	}
	var doc Enum
	if raw, ok := f.Annotations[doc.Name()]; ok {
		if err := decode(raw, &doc); err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	switch {
	case doc.Type != "":
		def.Description = doc.Type
	case strings.HasSuffix(def.Description, "is enum for the field "+f.Name) && f.Comment() != "":
		def.Description = f.Comment()
	}
	if len(doc.Values) == 0 {
		return nil
	}
	var names []string
	for _, v := range def.EnumValues {
		desc, ok := doc.Values[v.Name]
		if !ok {
			return fmt.Errorf("field %s: the Enum annotation does not describe %s", f.Name, v.Name)
		}
		v.Description = desc
		names = append(names, v.Name)
	}
	for v := range doc.Values {
		if !slices.Contains(names, v) {
			return fmt.Errorf("field %s: the Enum annotation describes %s, which is not a value", f.Name, v)
		}
	}
	return nil
}

// orderFields describes the values of the type's ordering enum by the field each orders by.
func (d *describer) orderFields() error {
	def := d.s.Types[d.t.Name+"OrderField"]
	if def == nil {
		return nil
	}
	by := map[string]string{}
	for _, f := range d.t.Fields {
		ant := &entgql.Annotation{}
		if raw, ok := f.Annotations[ant.Name()]; ok {
			if err := ant.Decode(raw); err != nil {
				return err
			}
			if ant.OrderField != "" {
				by[ant.OrderField] = camel(f.Name)
			}
		}
	}
	for _, v := range def.EnumValues {
		if v.Description == "" && by[v.Name] != "" {
			v.Description = fmt.Sprintf("Orders by `%s`.", by[v.Name])
		}
	}
	return nil
}

// mutationInput describes a create or update input: its fields as the object's, and the
// fields entgql adds for edges and for clearing.
func (d *describer) mutationInput(name, doc string) {
	def := d.s.Types[name]
	if def == nil {
		return
	}
	if strings.HasSuffix(def.Description, "Input was generated by ent.") {
		def.Description = doc
	}
	for _, fd := range def.Fields {
		if fd.Description == "" {
			fd.Description = d.inputFieldDoc(fd.Name)
		}
	}
}

func (d *describer) inputFieldDoc(name string) string {
	if doc := d.fields[name]; doc != "" {
		return doc
	}
	if e := d.edges[strings.TrimSuffix(name, "ID")]; e != nil && e.Unique {
		return fmt.Sprintf("The id of `%s`.", camel(e.Name))
	}
	if target, ok := strings.CutPrefix(name, "clear"); ok {
		target = lowerFirst(target)
		if e := d.edges[target]; e != nil {
			if e.Unique {
				return fmt.Sprintf("Set to true to unlink `%s`.", target)
			}
			return fmt.Sprintf("Set to true to unlink every one of `%s`.", target)
		}
		return fmt.Sprintf("Set to true to empty `%s`.", target)
	}
	if target, ok := strings.CutPrefix(name, "append"); ok {
		return fmt.Sprintf("Values to add at the end of `%s`.", lowerFirst(target))
	}
	for _, e := range d.t.Edges {
		one := pascal(singular(e.Name))
		switch name {
		case "add" + one + "IDs":
			return fmt.Sprintf("Ids to link through `%s`.", camel(e.Name))
		case "remove" + one + "IDs":
			return fmt.Sprintf("Ids to unlink from `%s`.", camel(e.Name))
		case lowerFirst(one) + "IDs":
			return fmt.Sprintf("The ids to link through `%s`.", camel(e.Name))
		}
	}
	return ""
}

// whereOps are the suffixes entgql gives a field's predicates in a where input, and what each
// asks of the field; the comparisons say it by the field's kind (time, number, text).
var whereOps = []struct {
	suffix string
	doc    func(kind string) string
}{
	{"NEQ", same("differs from the value")},
	{"NotIn", same("is none of the values")},
	{"In", same("is one of the values")},
	{"GTE", byKind("is the value or after it", "is the value or greater", "is the value or sorts after it")},
	{"GT", byKind("is after the value", "is greater than the value", "sorts after the value")},
	{"LTE", byKind("is the value or before it", "is the value or less", "is the value or sorts before it")},
	{"LT", byKind("is before the value", "is less than the value", "sorts before the value")},
	{"ContainsFold", same("contains the text, ignoring case")},
	{"Contains", same("contains the text")},
	{"HasPrefix", same("starts with the text")},
	{"HasSuffix", same("ends with the text")},
	{"EqualFold", same("equals the text, ignoring case")},
	{"IsNil", same("is null, when true (false adds no condition)")},
	{"NotNil", same("is not null, when true (false adds no condition)")},
}

func same(doc string) func(string) string { return func(string) string { return doc } }

func byKind(time, number, text string) func(string) string {
	return func(kind string) string {
		switch kind {
		case "time":
			return time
		case "number":
			return number
		}
		return text
	}
}

// kindOf says how a field compares: as a time, a number or text.
func kindOf(f *gen.Field) string {
	switch {
	case f.IsTime():
		return "time"
	case f.Type.Numeric():
		return "number"
	}
	return "text"
}

// whereInput describes a where input: its combinators, its field predicates and its edge
// predicates.
func (d *describer) whereInput() {
	def := d.s.Types[d.t.Name+"WhereInput"]
	if def == nil {
		return
	}
	if strings.HasSuffix(def.Description, "Input was generated by ent.") {
		def.Description = fmt.Sprintf("Conditions on %s: one matches when every condition given holds. "+
			"An edge condition sees only what the caller may see.", pluralWords(d.t.Name))
	}
	kinds := map[string]string{"id": "text"}
	for _, f := range d.t.Fields {
		kinds[camel(f.Name)] = kindOf(f)
	}
	names := slices.Collect(maps.Keys(kinds))
	// The longest name first: externalIDNEQ is a predicate of externalID, not of externalI….
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	for _, fd := range def.Fields {
		if doc := d.whereFieldDoc(fd.Name, names, kinds); doc != "" {
			fd.Description = doc
		}
	}
}

func (d *describer) whereFieldDoc(name string, fields []string, kinds map[string]string) string {
	switch name {
	case "not":
		return "Matches what this condition does not."
	case "and":
		return "Matches what every one of these conditions matches."
	case "or":
		return "Matches what at least one of these conditions matches."
	}
	if target, ok := strings.CutPrefix(name, "has"); ok {
		with := strings.HasSuffix(target, "With")
		if e := d.edges[lowerFirst(strings.TrimSuffix(target, "With"))]; e != nil {
			if with {
				return fmt.Sprintf("`%s` has an item that matches every one of these conditions.", camel(e.Name))
			}
			return fmt.Sprintf("`%s` has at least one item (when true) or none (when false).", camel(e.Name))
		}
	}
	for _, field := range fields {
		op, ok := strings.CutPrefix(name, field)
		if !ok {
			continue
		}
		if op == "" {
			return fmt.Sprintf("`%s` equals the value.", field)
		}
		for _, o := range whereOps {
			if op == o.suffix {
				return fmt.Sprintf("`%s` %s.", field, o.doc(kinds[field]))
			}
		}
	}
	return ""
}

// edgeIDDoc describes the field that holds the id of a to-one edge.
func edgeIDDoc(f *gen.Field) string {
	name := strings.TrimSuffix(camel(f.Name), "ID")
	if f.Optional {
		return fmt.Sprintf("The id of `%s`; null when there is none.", name)
	}
	return fmt.Sprintf("The id of `%s`.", name)
}

// typeComment is the schema's Comment annotation: its description.
func typeComment(t *gen.Type) string {
	var c entschema.CommentAnnotation
	raw, ok := t.Annotations[c.Name()]
	if !ok || decode(raw, &c) != nil {
		return ""
	}
	return c.Text
}

// prefix is the prefix of the type's ids.
func prefix(t *gen.Type) string {
	var p pulid.Annotation
	if raw, ok := t.Annotations[p.Name()]; ok {
		_ = decode(raw, &p)
	}
	return p.Prefix
}

// decode reads an annotation as the code generator passes it (decoded JSON) into v.
func decode(raw any, v any) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// words spells a type's name in lower-case words: UserCouncil is "user council".
func words(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte(' ')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pluralWords is words in the plural: "user councils", "people", "feedback".
func pluralWords(name string) string {
	switch name {
	case "Person":
		return "people"
	case "Feedback":
		return "feedback"
	}
	return words(gen.Funcs["plural"].(func(string) string)(name))
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
