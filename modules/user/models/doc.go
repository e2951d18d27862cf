// Package models defines the User Module's data models, Medusa's User and
// Invite, in modgen's DML: "user" and "invite". Run "go generate ./modules/user" (or
// "medusa-go generate") after changing them.
package models
