package main

import (
	"context"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/federation"
)

// openPublishingStore opens the store as openStore does, with the
// federation wired in: what the command changes is queued for other
// servers, and serve's workers deliver it (at once when serve runs, else
// when it next starts), and remote actors it names are looked up.
func openPublishingStore(ctx context.Context, cf *configFlags, e env) (*roundtable.Store, func(), error) {
	cfg, err := cf.load(e.getenv, loadOptions{})
	if err != nil {
		return nil, nil, err
	}
	store, closeStore, err := openStore(ctx, cf, e)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(e.stderr, true, quietLevel(cfg.LogLevel))
	fed := federation.New(federation.Config{Name: cfg.Name, Version: version, Insecure: cfg.InsecureHTTP, Logger: log}, store)
	jobs, err := newJobs(store.Pool(), store, fed, false, nil, log)
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	fed.SetQueue(jobs)
	store.SetPublisher(fed)
	store.SetResolver(fed)
	return store, closeStore, nil
}
