// Package moderation will hold what keeps a consultation a safe space: the
// instance's and each consultation's norms, reports, moderation actions with
// their reasons and log, policies towards other instances, and advisories
// shared between trusting instances. Like the other adapters it stores
// nothing itself: it decides, and the root package records.
package moderation
