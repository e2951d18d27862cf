// Package models defines the User Module's data models (reference §1.2) in
// modgen's DML: "user" and "invite". Run "go generate ./modules/user" (or
// "medusa-go generate") after changing them.
package models
