package tokens

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// sealVersion starts every sealed value, so that a later format can be
// told apart from this one.
const sealVersion = "v1."

// The info strings of HKDF (RFC 5869): one key for each use, so that no
// key ever serves two purposes.
const (
	encryptionInfo = "oauthlogin tokens: AES-256-GCM key"
	bindingInfo    = "oauthlogin tokens: session binding key"
)

// errUnreadable means that no key opens a sealed value: it was sealed for
// another session, under a key no longer configured, or changed.
var errUnreadable = errors.New("the kept tokens do not open for this session")

// sealKey is what one secret gives: the AEAD that encrypts, and the key
// of the session binding that goes in as its additional data.
type sealKey struct {
	aead    cipher.AEAD
	binding []byte
}

// newSealKey derives both keys from secret with HKDF-SHA-256 (crypto/hkdf):
// the secret is a password-like string of at least 32 characters, not a
// uniformly random key, and HKDF's extract step makes one of it. There is
// no salt to keep: each secret is used for this one application.
func newSealKey(secret []byte) (sealKey, error) {
	if len(secret) == 0 {
		return sealKey{}, errors.New("tokens: empty key")
	}
	encryption, err := hkdf.Key(sha256.New, secret, nil, encryptionInfo, 32)
	if err != nil {
		return sealKey{}, fmt.Errorf("tokens: derive key: %w", err)
	}
	binding, err := hkdf.Key(sha256.New, secret, nil, bindingInfo, 32)
	if err != nil {
		return sealKey{}, fmt.Errorf("tokens: derive key: %w", err)
	}
	block, err := aes.NewCipher(encryption) // 32 bytes: AES-256
	if err != nil {
		return sealKey{}, fmt.Errorf("tokens: %w", err)
	}
	// A random 96-bit nonce with each seal, kept in front of the
	// ciphertext. A key may seal 2^32 values that way; a session seals one
	// at each login and each refresh.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return sealKey{}, fmt.Errorf("tokens: %w", err)
	}
	return sealKey{aead: aead, binding: binding}, nil
}

// A binder names the session a value is sealed for: Session.Binding or
// Values.Binding.
type binder func(key []byte) []byte

// seal encrypts set under the first key, bound to the session that bind
// names: the binding is the AEAD's additional data, so the value opens
// only for that session (AES-256-GCM; NIST SP 800-38D).
func seal(keys []sealKey, set tokenSet, bind binder) (string, error) {
	plain, err := json.Marshal(set)
	if err != nil {
		return "", fmt.Errorf("seal tokens: %w", err)
	}
	k := keys[0]
	ad := bind(k.binding)
	if ad == nil {
		return "", errors.New("seal tokens: the session has no ID yet")
	}
	return sealVersion + base64.RawURLEncoding.EncodeToString(k.aead.Seal(nil, nil, plain, ad)), nil
}

// open decrypts a sealed value with each key in turn, and reports whether
// it took a key other than the first: a value sealed before the secret was
// rotated, to be sealed again under the new one.
func open(keys []sealKey, sealed string, bind binder) (set tokenSet, old bool, err error) {
	raw, ok := stripVersion(sealed)
	if !ok {
		return tokenSet{}, false, errUnreadable
	}
	for i, k := range keys {
		plain, err := k.aead.Open(nil, nil, raw, bind(k.binding))
		if err != nil {
			continue
		}
		if err := json.Unmarshal(plain, &set); err != nil || set.Access == "" {
			return tokenSet{}, false, errUnreadable
		}
		return set, i > 0, nil
	}
	return tokenSet{}, false, errUnreadable
}

func stripVersion(sealed string) ([]byte, bool) {
	if len(sealed) < len(sealVersion) || sealed[:len(sealVersion)] != sealVersion {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed[len(sealVersion):])
	return raw, err == nil
}
