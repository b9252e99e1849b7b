module pairing

go 1.26.0

require (
	github.com/alexedwards/scs/v2 v2.8.0
	golang.org/x/oauth2 v0.38.0
)
