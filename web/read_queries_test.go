package web_test

import (
	"strings"
	"testing"
)

// TestReadQueriesDoNotGrow: the thread page, a status's context and the
// thread's collection cost the same number of queries for a thread of 50
// contributions as for one of 500: nothing is read once per contribution.
func TestReadQueriesDoNotGrow(t *testing.T) {
	t.Parallel()
	count := func(n int) map[string]int64 {
		in := newInstance(t)
		th := seedThread(t, in, n)
		got := map[string]int64{}
		for name, req := range map[string]struct{ path, token string }{
			"thread page": {th.page, ""},
			"context":     {"/api/v1/statuses/" + th.rootID + "/context", th.anaToken},
		} {
			q0 := in.Queries.Queries()
			r := in.get(req.path, req.token)
			wantStatus(t, r, 200)
			got[name] = in.Queries.Queries() - q0
			if name == "thread page" && strings.Count(string(r.Body), `class="contribution`) != n {
				t.Fatalf("thread page of %d shows %d contributions", n, strings.Count(string(r.Body), `class="contribution`))
			}
		}
		return got
	}
	small, large := count(50), count(500)
	for name, q := range small {
		if large[name] != q {
			t.Errorf("%s: %d queries for 50 contributions, %d for 500", name, q, large[name])
		}
	}
}
