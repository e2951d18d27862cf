package flows

import (
	"context"

	"github.com/medusa-go/medusa/framework/container"
)

// AuthIdentities is what the user workflows need of the Auth Module (container key "auth").
type AuthIdentities interface {
	// AppMetadata returns the identity's app_metadata (empty map when null); not_found error when the identity does not exist.
	AppMetadata(ctx context.Context, authIdentityID string) (map[string]any, error)
	// SetAppMetadata replaces the identity's app_metadata.
	SetAppMetadata(ctx context.Context, authIdentityID string, md map[string]any) error
	// AuthIdentityIDsByAppMetadata returns the ids of identities whose app_metadata[key] equals value.
	AuthIdentityIDsByAppMetadata(ctx context.Context, key, value string) ([]string, error)
}

// AuthKey resolves the Auth Module (registered under "auth", Medusa's
// Modules.AUTH) as the AuthIdentities the workflows need; the registered
// service must implement the interface.
var AuthKey = container.NewKey[AuthIdentities]("auth")
