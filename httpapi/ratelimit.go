package httpapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Login rate limits: per client IP and per email, 5 attempts a minute.
const (
	loginRate      = rate.Limit(5.0 / 60)
	loginBurst     = 5
	maxLimiterKeys = 10000
)

// limiter is a bounded set of token buckets by key. When it is full it
// first forgets buckets that have refilled (they hold no state), then
// arbitrary ones: memory stays bounded even under a flood of keys.
type limiter struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	max   int
	m     map[string]*rate.Limiter
}

func newLimiter(every rate.Limit, burst, max int) *limiter {
	return &limiter{every: every, burst: burst, max: max, m: map[string]*rate.Limiter{}}
}

// allow takes one token for key; when none is left it says how long to wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.m[key]
	if !ok {
		l.makeRoom(now)
		lim = rate.NewLimiter(l.every, l.burst)
		l.m[key] = lim
	}
	if lim.AllowN(now, 1) {
		return true, 0
	}
	need := 1 - lim.TokensAt(now)
	return false, time.Duration(need / float64(l.every) * float64(time.Second))
}

func (l *limiter) makeRoom(now time.Time) {
	if len(l.m) < l.max {
		return
	}
	for k, lim := range l.m {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) < l.max {
			break
		}
		delete(l.m, k)
	}
}

func (l *limiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
