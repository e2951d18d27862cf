// Package dml is medusa-go's data-model language: Go code that mirrors
// Medusa's DML (model.define, model.id, model.text, ...). A module's models
// are declared once with it, validated with Module.Validate, and turned by
// package modgen into migrations, sqlc queries, a typed service and routes.
//
//	var User = dml.Define("user",
//		dml.ID().Prefix("user").PrimaryKey(),
//		dml.Text("email").Searchable(),
//		dml.Text("first_name").Nullable().Searchable(),
//		dml.JSON("metadata").Nullable(),
//	).Indexes(dml.Index{On: []string{"email"}, Unique: true})
//
// Every model gets the implicit columns created_at, updated_at (timestamptz,
// not null, default now()) and deleted_at (timestamptz, nullable; soft
// delete). Indexes are soft-delete aware: their WHERE clause gets
// "deleted_at IS NULL" unless it already mentions deleted_at, and unnamed
// indexes are called IDX_<table>_<cols>[_unique] as in Medusa. Model.Sortable
// and Model.Filterable declare what the model's lists may be ordered and
// filtered by; each such field gets the index that serves those lists.
package dml
