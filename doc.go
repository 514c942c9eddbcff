// Package roundtable holds the domain of a Roundtable instance: accounts,
// consultations, contributions, follows, notifications, OAuth grants and the
// rules that govern them, together with their storage in PostgreSQL.
//
// It knows nothing of HTTP or ActivityPub. Adapters (web, federation,
// moderation) call into it; where it needs the outside world it declares a
// small interface that an adapter implements and cmd/roundtable wires. Every
// write goes through this package, so no adapter can skip a rule.
package roundtable
