// Package cascade runs the soft deletes, restores and deletes that a model
// cascades to its relations (Cascade, RunCascade) and tells the link
// service what they did: Cascader is the service, registered under
// CascaderKey, that hears which ids each linkable model lost or got back
// (CascadeOp), in the same transaction. Generated services call it;
// framework/link implements Cascader.
package cascade
