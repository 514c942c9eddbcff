package roundtable

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Peer policies as admins set them: each with a public reason and a
// private one, an optional published list of limited and blocked domains,
// and the federation mode (open, or only with trusted peers).

// PolicyChange is a new policy towards one domain. A nil PrivateReason
// keeps the private reason already recorded.
type PolicyChange struct {
	Domain        string
	Policy        Policy
	Reason        string
	PrivateReason *string
}

// normaliseDomain returns domain as peers are keyed, or a validation error.
func normaliseDomain(domain string) (string, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" || len(domain) > 253 || strings.ContainsAny(domain, "/ @?#%,\\") {
		return "", Invalid("domain", "must be a host name such as example.org")
	}
	return domain, nil
}

// mayAdminister refuses anyone but an admin; a nil member is the
// command line, run by whoever runs the instance.
func mayAdminister(m *Member) error {
	if m != nil && m.Role != RoleAdmin {
		return ErrForbidden
	}
	return nil
}

// ChangeDomainPolicy sets this instance's policy towards a domain, on
// behalf of by (an admin; nil for the command line). Blocking cuts the
// follows with the domain; the change is logged with its public reason.
func (s *Store) ChangeDomainPolicy(ctx context.Context, by *Member, c PolicyChange) error {
	if err := mayAdminister(by); err != nil {
		return fmt.Errorf("set a domain policy: %w", err)
	}
	domain, err := normaliseDomain(c.Domain)
	if err != nil {
		return err
	}
	if _, err := ParsePolicy(string(c.Policy)); err != nil {
		return err
	}
	c.Reason = strings.TrimSpace(c.Reason)
	if len([]rune(c.Reason)) > 1000 {
		return Invalid("reason", "must be at most 1000 characters")
	}
	if c.PrivateReason != nil {
		v := strings.TrimSpace(*c.PrivateReason)
		if len([]rune(v)) > 1000 {
			return Invalid("private_reason", "must be at most 1000 characters")
		}
		c.PrivateReason = &v
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.setDomainPolicy(ctx, tx, domain, c.Policy, c.Reason, c.PrivateReason); err != nil {
			return err
		}
		return s.logAction(ctx, tx, actorOf(by), "admin", "domain_"+string(c.Policy), nil, domain, c.Reason)
	})
	if err != nil {
		return fmt.Errorf("set policy of %s: %w", domain, err)
	}
	return nil
}

// RemoveDomainPolicy sets domain back to the default policy and forgets
// its reasons.
func (s *Store) RemoveDomainPolicy(ctx context.Context, by *Member, domain string) error {
	if err := mayAdminister(by); err != nil {
		return fmt.Errorf("remove a domain policy: %w", err)
	}
	domain, err := normaliseDomain(domain)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var was Policy
		if err := tx.QueryRow(ctx, `SELECT policy FROM peers WHERE domain = $1 FOR UPDATE`, domain).Scan(&was); err != nil {
			return notFound(err, "policy of "+domain)
		}
		if err := s.trustChanged(ctx, tx, domain, was, PolicyDefault); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE peers SET policy = 'default', policy_reason = '', policy_private_reason = '',
			policy_at = NULL WHERE domain = $1 AND policy_at IS NOT NULL`, domain)
		if err != nil {
			return fmt.Errorf("remove policy of %s: %w", domain, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("policy of %s: %w", domain, ErrNotFound)
		}
		return s.logAction(ctx, tx, actorOf(by), "admin", "domain_policy_removed", nil, domain, "")
	})
}

// DomainPolicyOf returns the policy set towards domain, with both reasons,
// for admins.
func (s *Store) DomainPolicyOf(ctx context.Context, by *Member, domain string) (*DomainPolicy, error) {
	if err := mayAdminister(by); err != nil {
		return nil, fmt.Errorf("read a domain policy: %w", err)
	}
	domain, err := normaliseDomain(domain)
	if err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT domain, policy, policy_reason, policy_private_reason, policy_at FROM peers
		WHERE domain = $1 AND policy_at IS NOT NULL`, domain)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[DomainPolicy])
	if err != nil {
		return nil, notFound(err, "policy of "+domain)
	}
	return p, nil
}

// DomainPoliciesFor lists the policies, with both reasons, for admins.
func (s *Store) DomainPoliciesFor(ctx context.Context, by *Member) ([]DomainPolicy, error) {
	if err := mayAdminister(by); err != nil {
		return nil, fmt.Errorf("read domain policies: %w", err)
	}
	return s.DomainPolicies(ctx)
}

// PublishedDomainBlock is a limited or blocked domain as the instance
// shows it to everyone: never with the private reason.
type PublishedDomainBlock struct {
	Domain string
	Digest string // hex SHA-256 of the domain
	Policy Policy // limit or block
	Reason string // the public reason
}

// PublishedDomainBlocks lists the limited and blocked domains when the
// instance publishes them; ErrNotFound when it does not.
func (s *Store) PublishedDomainBlocks(ctx context.Context) ([]PublishedDomainBlock, error) {
	on, err := s.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	if !on.PublishDomainBlocks {
		return nil, fmt.Errorf("this instance does not publish its domain blocks: %w", ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT domain, policy, policy_reason FROM peers
		WHERE policy IN ('limit', 'block') AND policy_at IS NOT NULL ORDER BY domain`)
	var out []PublishedDomainBlock
	var b PublishedDomainBlock
	if _, err := pgx.ForEachRow(rows, []any{&b.Domain, &b.Policy, &b.Reason}, func() error {
		sum := sha256.Sum256([]byte(b.Domain))
		b.Digest = hex.EncodeToString(sum[:])
		out = append(out, b)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("published domain blocks: %w", err)
	}
	return out, nil
}

// federatesCase is whether the peer p (joined, maybe NULL) federates with
// this instance, given $2 settingFederationMode, $3 FederationOpen and $4
// FederationAllowlist.
const federatesCase = `CASE
			WHEN p.policy = 'block' THEN false
			WHEN coalesce((SELECT value FROM settings WHERE key = $2), $3) = $4 THEN coalesce(p.policy = 'trust', false)
			ELSE true END`

// Federates reports whether this instance exchanges anything with domain:
// not when it is blocked, and in allowlist mode only when it is trusted.
func (s *Store) Federates(ctx context.Context, domain string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT `+federatesCase+`
		FROM (SELECT lower($1) AS domain) d LEFT JOIN peers p ON p.domain = d.domain`,
		domain, settingFederationMode, string(FederationOpen), string(FederationAllowlist)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("policy of %s: %w", domain, err)
	}
	return ok, nil
}

// actorOf is the log's actor for a change made by m (nil: the command
// line).
func actorOf(m *Member) *string {
	if m == nil {
		return nil
	}
	return &m.ID
}

// FederationMode says with whom this instance federates.
type FederationMode string

// Federation modes.
const (
	FederationOpen      FederationMode = "open"      // every peer not blocked
	FederationAllowlist FederationMode = "allowlist" // only trusted peers
)

// ParseFederationMode returns the mode named s.
func ParseFederationMode(s string) (FederationMode, error) {
	switch m := FederationMode(s); m {
	case FederationOpen, FederationAllowlist:
		return m, nil
	}
	return "", Invalid("federation_mode", "must be open or allowlist")
}

const (
	settingFederationMode      = "federation_mode"
	settingPublishDomainBlocks = "publish_domain_blocks"
	settingPublicModerationLog = "public_moderation_log"
	settingName                = "instance_name"
	settingDescription         = "instance_description"
)

// InstanceSettings are the instance's choices about federation and what it
// makes public about its moderation.
type InstanceSettings struct {
	// Name and Description, when set, replace the configured name and the
	// standard description on pages and in the client API.
	Name                string
	Description         string
	FederationMode      FederationMode
	PublishDomainBlocks bool // GET /api/v1/instance/domain_blocks answers; default on
	PublicModerationLog bool // the moderation log is public; default off
}

// SettingsChange changes some of the instance settings; nil leaves one as
// it is.
type SettingsChange struct {
	Name                *string
	Description         *string
	FederationMode      *FederationMode
	PublishDomainBlocks *bool
	PublicModerationLog *bool
}

// InstanceSettings returns the instance settings, with their defaults.
func (s *Store) InstanceSettings(ctx context.Context) (*InstanceSettings, error) {
	out := &InstanceSettings{FederationMode: FederationOpen, PublishDomainBlocks: true}
	rows, _ := s.pool.Query(ctx, `SELECT key, value FROM settings WHERE key = ANY($1)`,
		[]string{settingFederationMode, settingPublishDomainBlocks, settingPublicModerationLog, settingName, settingDescription})
	var k, v string
	if _, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		switch k {
		case settingFederationMode:
			out.FederationMode = FederationMode(v)
		case settingPublishDomainBlocks:
			out.PublishDomainBlocks = v == "true"
		case settingPublicModerationLog:
			out.PublicModerationLog = v == "true"
		case settingName:
			out.Name = v
		case settingDescription:
			out.Description = v
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("instance settings: %w", err)
	}
	return out, nil
}

// InstanceSettingsFor returns the instance settings to an admin.
func (s *Store) InstanceSettingsFor(ctx context.Context, by *Member) (*InstanceSettings, error) {
	if err := mayAdminister(by); err != nil {
		return nil, fmt.Errorf("read instance settings: %w", err)
	}
	return s.InstanceSettings(ctx)
}

// ChangeInstanceSettings applies c on behalf of by (an admin; nil for the
// command line) and returns the settings as they now are.
func (s *Store) ChangeInstanceSettings(ctx context.Context, by *Member, c SettingsChange) (*InstanceSettings, error) {
	if err := mayAdminister(by); err != nil {
		return nil, fmt.Errorf("change instance settings: %w", err)
	}
	values := map[string]string{}
	if c.FederationMode != nil {
		m, err := ParseFederationMode(string(*c.FederationMode))
		if err != nil {
			return nil, err
		}
		values[settingFederationMode] = string(m)
	}
	if c.Name != nil {
		name := strings.TrimSpace(*c.Name)
		if utf8.RuneCountInString(name) > 60 || strings.ContainsAny(name, "<>\n\r") {
			return nil, Invalid("name", "must be at most 60 characters on one line, without < or >")
		}
		values[settingName] = name
	}
	if c.Description != nil {
		d := strings.TrimSpace(*c.Description)
		if utf8.RuneCountInString(d) > 1000 {
			return nil, Invalid("description", "must be at most 1000 characters")
		}
		values[settingDescription] = d
	}
	for key, b := range map[string]*bool{settingPublishDomainBlocks: c.PublishDomainBlocks, settingPublicModerationLog: c.PublicModerationLog} {
		if b != nil {
			values[key] = fmt.Sprint(*b)
		}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for k, v := range values {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("change instance settings: %w", err)
	}
	return s.InstanceSettings(ctx)
}
