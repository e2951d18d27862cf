// Package models defines the blog test module's data models in modgen's DML.
package models
