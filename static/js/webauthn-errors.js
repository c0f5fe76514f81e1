// allauth's WebAuthn script only logs a failed ceremony to the console (a cancelled prompt,
// a key already added, no key at hand). Say so on the page instead: in the #webauthn-error box
// when the page has one, else in one added at the top of the main content.
(function () {
  'use strict'
  // The page's words, in its language (templates/mfa/webauthn/snippets/scripts.html).
  const words = document.currentScript ? document.currentScript.dataset : {}

  function errorBox () {
    let box = document.getElementById('webauthn-error')
    if (!box) {
      box = document.createElement('div')
      box.id = 'webauthn-error'
      box.className = 'alert alert-danger d-none'
      box.setAttribute('role', 'alert')
      const main = document.querySelector('main') || document.body
      main.insertBefore(box, main.firstChild)
    }
    return box
  }

  document.addEventListener('allauth.error', function (event) {
    event.preventDefault()
    const exception = event.detail && event.detail.exception
    const name = exception && exception.name
    const box = errorBox()
    box.textContent = name === 'NotAllowedError'
      ? words.notAllowed || 'The key did not answer, or the request was canceled. Try again when your key or device is ready.'
      : name === 'InvalidStateError'
        ? words.alreadyAdded || 'This key is already added to your account.'
        : words.unusable || 'Your browser could not use the key. Try again, or use another key or an authenticator app.'
    box.classList.remove('d-none')
  })
})()
