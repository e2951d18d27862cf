// Package e2e holds end-to-end tests that run the real medusa-go binary:
// jssdk_test.go drives it with Medusa's own JS SDK (@medusajs/js-sdk, pinned
// with a lockfile in e2e/jssdk) to show wire compatibility.
package e2e
