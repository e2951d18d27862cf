// Package models defines the Auth Module's data models in modgen's DML:
// "auth_identity" and "provider_identity" (Medusa's auth tables). Run
// "go generate ./modules/auth" (or "medusa-go generate") after changing them.
package models
