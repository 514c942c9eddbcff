package roundtable

import (
	"context"
	"fmt"
)

// InteractionFinder finds, for a handle on another server, the address
// where that server lets its member act on an object from elsewhere (the
// WebFinger subscribe template, with {uri} to fill in). The federation
// adapter implements it beside Resolver.
type InteractionFinder interface {
	InteractionTemplate(ctx context.Context, acct string) (string, error)
}

// InteractionTemplate returns the remote-interaction address template of
// the server of acct ("name@domain"); ErrNotFound when the handle does not
// resolve or its server offers none.
func (s *Store) InteractionTemplate(ctx context.Context, acct string) (string, error) {
	f, ok := s.resolver.(InteractionFinder)
	if !ok {
		return "", fmt.Errorf("remote interaction for %q: %w", acct, ErrNotFound)
	}
	return f.InteractionTemplate(ctx, acct)
}
