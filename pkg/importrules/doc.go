// Package importrules holds no code: its test enforces the import rules of
// docs/architecture.md, as a depguard rule would.
package importrules
