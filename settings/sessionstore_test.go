package settings

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// redisVars are valid settings with the Redis session store.
func redisVars(url string) map[string]string {
	vars := validVars()
	vars["SESSION_STORE"] = "redis"
	vars["REDIS_URL"] = url
	return vars
}

func TestParseRedisSessionStore(t *testing.T) {
	vars := redisVars("rediss://app:" + canary + "@cache.example:6380/2")
	vars["REDIS_KEY_PREFIX"] = "shop:"
	vars["REDIS_TIMEOUT"] = "500ms"
	vars["REDIS_POOL_SIZE"] = "4"
	s, err := Parse(vars)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Session
	if got.Store != SessionStoreRedis || got.RedisURL.Reveal() != vars["REDIS_URL"] || got.RedisKeyPrefix != "shop:" ||
		got.RedisTimeout != 500*time.Millisecond || got.RedisPoolSize != 4 {
		t.Errorf("Session = %+v", got)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("settings", "settings", s)
	fmt.Fprintf(&buf, "%v %+v %#v", s, s, s)
	if strings.Contains(buf.String(), canary) {
		t.Errorf("the Redis password leaks: %s", &buf)
	}
}

// TestParseRedisSessionStoreProblems: each mistake is named, and no
// message repeats REDIS_URL, which may hold a password.
func TestParseRedisSessionStoreProblems(t *testing.T) {
	for name, tt := range map[string]struct {
		vars    map[string]string
		problem string
	}{
		"no URL":          {redisVars(""), "REDIS_URL: must be set"},
		"other scheme":    {redisVars("http://:" + canary + "@cache:6379"), "REDIS_URL: must start with redis://"},
		"no host":         {redisVars("redis://:" + canary + "@:6379"), "REDIS_URL: must name a host"},
		"not a URL":       {redisVars("redis://:" + canary + "@cache:port\x7f"), "REDIS_URL: must be a URL"},
		"unknown store":   {map[string]string{"SESSION_STORE": "memcached"}, "SESSION_STORE: must be one of"},
		"zero pool":       {map[string]string{"REDIS_POOL_SIZE": "0"}, "REDIS_POOL_SIZE: must be a whole number from 1 to 1000"},
		"too short":       {map[string]string{"REDIS_TIMEOUT": "1ms"}, "REDIS_TIMEOUT: must be from 10ms to 1m"},
		"not a duration":  {map[string]string{"REDIS_TIMEOUT": "soon"}, "REDIS_TIMEOUT: must be a duration"},
		"file store only": {map[string]string{"REDIS_URL": "nonsense"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			vars := validVars()
			for k, v := range tt.vars {
				vars[k] = v
			}
			_, err := Parse(vars)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("Parse = %v; REDIS_URL is not read with the file store", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) || !strings.Contains(verr.Error(), tt.problem) {
				t.Fatalf("Parse = %v, want a problem %q", err, tt.problem)
			}
			if strings.Contains(verr.Error(), canary) {
				t.Errorf("the problem repeats the password: %v", verr)
			}
		})
	}
}
