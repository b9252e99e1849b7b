module oauthlogin

go 1.25
