// Package delta describes what a change did to an entity's fields, as the journal records it.
package delta

// Field is one field a change touched, with its value before and after. Old is nil on
// create, New is nil on delete.
type Field struct {
	Name string `json:"name"`
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
}
