module github.com/example/oauth-login

go 1.25
