package federation

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestAllowedIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", false},
		{"127.255.0.9", false},
		{"0.0.0.0", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.254", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},      // carrier-grade NAT
		{"198.18.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::1", false},
		{"::", false},
		{"fe80::1", false},
		{"fc00::1", false},
		{"::ffff:169.254.169.254", false}, // IPv4-mapped
		{"::ffff:127.0.0.1", false},
		{"2001:db8::1", false},
		{"2002:a9fe:a9fe::1", false}, // 6to4 around 169.254.169.254
		{"1.1.1.1", true},
		{"172.32.0.1", true},
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"::ffff:1.1.1.1", true},
	}
	for _, tt := range tests {
		if got := allowedIP(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("allowedIP(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}

func TestHTTPClientRefusesLoopbackAtDial(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")

	// By address, and by a name that resolves to loopback: the check is on
	// the address dialled, after DNS.
	for _, u := range []string{srv.URL, "http://localhost:" + port} {
		res, err := newHTTPClient(false).Get(u)
		if err == nil {
			res.Body.Close()
			t.Errorf("GET %s reached the server (%s); want a refusal", u, res.Status)
			continue
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: %v, want ErrForbiddenAddress", u, err)
		}
	}

	res, err := newHTTPClient(true).Get(srv.URL)
	if err != nil {
		t.Fatalf("insecure client: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(body) != `{"ok":true}` {
		t.Errorf("insecure client got %d %q", res.StatusCode, body)
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	const base = 30 * time.Second
	within := func(d, want time.Duration) bool {
		return d >= want-want/10 && d <= want+want/10
	}
	if d := retryDelay(0, 1); !within(d, base) {
		t.Errorf("first delay with no base = %s, want about %s", d, base)
	}
	want := base
	var total time.Duration
	for attempt := 1; attempt < deliveryAttempts; attempt++ {
		d := retryDelay(base, attempt)
		if !within(d, want) {
			t.Errorf("delay after attempt %d = %s, want %s ± 10 %%", attempt, d, want)
		}
		total += d
		want = min(2*want, 24*time.Hour)
	}
	for _, attempt := range []int{20, 40, 1000} {
		if d := retryDelay(base, attempt); d > 24*time.Hour+24*time.Hour/10 {
			t.Errorf("delay after attempt %d = %s, more than a day", attempt, d)
		}
	}
	// The waits between the first and the last of the deliveryAttempts.
	if day := 24 * time.Hour; total < 5*day || total > 9*day {
		t.Errorf("%d attempts span %s, want 5 to 9 days", deliveryAttempts, total)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"86400", 6 * time.Hour},
		{now.Add(90 * time.Minute).Format(http.TimeFormat), 90 * time.Minute},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), 6 * time.Hour},
		{"Mon, 02 Jun 2025 10:00:30 GMT", 30 * time.Second},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}
