package auth

// Regenerate the module from models/: migrations, queries, sqlc output,
// *_gen.go and REFERENCE.md ("medusa-go generate" does it for every module).
//go:generate go run ./models/gen
