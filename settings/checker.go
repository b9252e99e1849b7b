package settings

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// checker reads variables from a map, applying the defaults from the
// table, and collects a problem for each one that is wrong.
type checker struct {
	vars     map[string]string
	problems []string
	failed   map[string]bool
}

func newChecker(vars map[string]string) *checker {
	return &checker{vars: vars, failed: make(map[string]bool)}
}

// problem records that name is wrong. message must not contain the value.
func (c *checker) problem(name, message string) {
	c.problems = append(c.problems, name+": "+message)
	c.failed[name] = true
}

// check records a problem for name unless ok. It stays quiet when name
// already has a problem, so a value that failed to parse is not also
// reported as out of range.
func (c *checker) check(ok bool, name, message string) {
	if !ok && !c.failed[name] {
		c.problem(name, message)
	}
}

// err returns the problems found so far as a *ValidationError, or nil.
func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: c.problems}
}

// text returns name's value, or its default when unset or empty.
func (c *checker) text(name string) string {
	if value := c.vars[name]; value != "" {
		return value
	}
	return defaultFor(name)
}

// param returns the value of a variable that names an OAuth request
// parameter. Unlike text, it keeps an explicitly empty value, which means
// "do not send the parameter".
func (c *checker) param(name string) string {
	if value, ok := c.vars[name]; ok {
		return value
	}
	return defaultFor(name)
}

// required returns name's value, recording a problem when it is empty.
func (c *checker) required(name string) string {
	value := c.vars[name]
	c.check(value != "", name, "must be set")
	return value
}

func (c *checker) boolean(name string) bool {
	value, err := strconv.ParseBool(c.text(name))
	c.check(err == nil, name, "must be true or false")
	return value
}

func (c *checker) duration(name string) time.Duration {
	value, err := time.ParseDuration(c.text(name))
	c.check(err == nil, name, "must be a duration such as 90s, 30m or 8h")
	return value
}

func (c *checker) oneOf(name string, allowed ...string) string {
	value := c.text(name)
	c.check(slices.Contains(allowed, value), name, "must be one of "+strings.Join(allowed, ", "))
	return value
}

// requiredURL returns a required URL after checking it with rule.
func (c *checker) requiredURL(name string, rule func(string) error) string {
	value := c.required(name)
	if value != "" {
		if err := rule(value); err != nil {
			c.problem(name, err.Error())
		}
	}
	return value
}
