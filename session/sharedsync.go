package session

import "sync"

// sharedSync runs a flush for callers that each need one to start after
// they call, and lets every caller that arrives while a flush runs share
// the next one: under load, one flush serves many callers, where a flush
// each would queue them all behind the disk. This is the group commit of
// flush.go without its delay, for writes that must be durable before the
// caller goes on (the index entries of fileindex.go).
type sharedSync struct {
	sync func() error

	mu      sync.Mutex
	running bool           // a flush is under way
	next    []chan<- error // the callers waiting for the flush after it
}

// do returns once a flush that started after do was called has ended,
// with that flush's error.
func (s *sharedSync) do() error {
	done := make(chan error, 1)
	s.mu.Lock()
	s.next = append(s.next, done)
	if !s.running {
		s.running = true
		go s.run()
	}
	s.mu.Unlock()
	return <-done
}

// run flushes for the callers waiting, round after round, until none is.
func (s *sharedSync) run() {
	for {
		s.mu.Lock()
		waiting := s.next
		s.next = nil
		if len(waiting) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		err := s.sync()
		for _, done := range waiting {
			done <- err
		}
	}
}
