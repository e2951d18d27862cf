package blog

// Regenerate the module from models/: migrations, queries, sqlc output,
// *_gen.go and REFERENCE.md.
//go:generate go run ./models/gen
