package federation

import (
	"context"
	"net/http"
	"time"

	"github.com/riverqueue/river"
)

// The directory of consultations across the network. Each instance serves
// its public consultations as a collection, linked from its instance actor;
// a periodic job reads the collections of the peers this instance
// federates with, so that their consultations can be listed and joined here.

// consultations serves this instance's public consultations.
func (f *Federator) consultations(w http.ResponseWriter, r *http.Request) {
	if !wantsActivity(r) {
		http.Redirect(w, r, f.links.Base+"/directory", http.StatusFound)
		return
	}
	uris, err := f.store.LocalGroupURIs(r.Context())
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	items := make([]any, len(uris))
	for i, u := range uris {
		items[i] = u
	}
	writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": f.links.Base + "/consultations",
		"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
}

// DirectoryArgs refreshes the directory from the peers' collections.
type DirectoryArgs struct{}

// Kind names the job.
func (DirectoryArgs) Kind() string { return "directory" }

// InsertOpts puts the refresh on the federation queue.
func (DirectoryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: 1}
}

type directoryWorker struct {
	river.WorkerDefaults[DirectoryArgs]
	f *Federator
}

func (w *directoryWorker) Timeout(*river.Job[DirectoryArgs]) time.Duration { return 10 * time.Minute }

func (w *directoryWorker) Work(ctx context.Context, _ *river.Job[DirectoryArgs]) error {
	return w.f.RefreshDirectory(ctx)
}

// maxPeerConsultations bounds how many consultations are read from a peer.
const maxPeerConsultations = 200

// RefreshDirectory reads the consultations of every peer this instance
// federates with. A peer that does not answer is skipped until next time.
func (f *Federator) RefreshDirectory(ctx context.Context) error {
	domains, err := f.store.FederatingPeers(ctx)
	if err != nil {
		return err
	}
	scheme := "https://"
	if f.cfg.Insecure {
		scheme = "http://"
	}
	for _, d := range domains {
		actor, err := f.fetchObject(ctx, scheme+d+"/actor")
		if err != nil {
			continue
		}
		list := str(actor["consultations"])
		if list == "" || !sameHost(list, scheme+d) {
			continue
		}
		doc, err := f.fetchObject(ctx, list)
		if err != nil {
			continue
		}
		items := strs(doc["orderedItems"])
		if len(items) > maxPeerConsultations {
			items = items[:maxPeerConsultations]
		}
		for _, uri := range items {
			if !sameHost(uri, scheme+d) {
				continue
			}
			if _, err := f.accountByURI(ctx, uri); err != nil {
				f.log.InfoContext(ctx, "directory: could not read a consultation", "uri", uri, "err", err)
			}
		}
	}
	return nil
}

// PeriodicJobs returns federation's recurring jobs.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return DirectoryArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(advisoryReconcileEvery),
			func() (river.JobArgs, *river.InsertOpts) { return AdvisoryReconcileArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(peerSoftwareEvery),
			func() (river.JobArgs, *river.InsertOpts) { return PeerSoftwareArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
