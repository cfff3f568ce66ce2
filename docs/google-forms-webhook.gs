/**
 * Pulse: send each Google Forms response to `pulse hooks serve` as it is submitted.
 *
 * Google Forms has no webhooks of its own, so this Apps Script, bound to the form, sends them, signed the way
 * Pulse checks (hooks/signatures.py):
 *   X-Pulse-Timestamp: the Unix time in seconds when it was sent
 *   X-Pulse-Signature: base64 of HMAC-SHA256(timestamp + "." + body), keyed with the shared secret
 * Pulse refuses a request signed more than 5 minutes before it arrives, so a copied request cannot be replayed.
 *
 * Set up (once per form):
 *   1. In the form: More (the three dots) > Apps Script. Replace the editor's contents with this file; save.
 *   2. Project Settings (the gear) > Script Properties: add
 *        PULSE_URL     https://pulse.example.com/hooks/google-forms  (your receiver's address, over HTTPS)
 *        PULSE_SECRET  the same value as PULSE_HOOKS_GOOGLE_FORMS_SECRET where `pulse hooks serve` runs
 *   3. In the editor, choose the function `install` and Run it; allow what it asks (to read the form's
 *      responses and to connect to an external service). It adds the trigger that runs `sendToPulse` on each
 *      submission. Run `sendLatestToPulse` to send the latest response now, as a test.
 *   Each run is listed under Executions, with Pulse's answer when it was not taken.
 */

/** Adds the form-submit trigger that calls sendToPulse (once; running it again adds nothing). */
function install() {
  const form = FormApp.getActiveForm();
  const installed = ScriptApp.getProjectTriggers().some(function (trigger) {
    return trigger.getHandlerFunction() === 'sendToPulse';
  });
  if (!installed) {
    ScriptApp.newTrigger('sendToPulse').forForm(form).onFormSubmit().create();
  }
}

/** The form-submit trigger: sends the submitted response. */
function sendToPulse(event) {
  send_(FormApp.getActiveForm(), event.response);
}

/** Sends the form's latest response (a test of the set-up). */
function sendLatestToPulse() {
  const form = FormApp.getActiveForm();
  const responses = form.getResponses();
  if (responses.length === 0) {
    throw new Error('The form has no responses yet: submit one, then run this again.');
  }
  send_(form, responses[responses.length - 1]);
}

function send_(form, response) {
  const properties = PropertiesService.getScriptProperties();
  const url = properties.getProperty('PULSE_URL');
  const secret = properties.getProperty('PULSE_SECRET');
  if (!url || !secret) {
    throw new Error('Set PULSE_URL and PULSE_SECRET in Project Settings > Script Properties.');
  }
  const answers = {};
  response.getItemResponses().forEach(function (itemResponse) {
    answers[itemResponse.getItem().getTitle()] = itemResponse.getResponse(); // text, or a list (checkboxes, grids)
  });
  const body = JSON.stringify({
    formId: form.getId(),
    formTitle: form.getTitle(),
    responseId: response.getId(),
    timestamp: response.getTimestamp().toISOString(),
    respondentEmail: response.getRespondentEmail() || null, // only when the form collects emails
    answers: answers,
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = Utilities.base64Encode(
    Utilities.computeHmacSha256Signature(timestamp + '.' + body, secret, Utilities.Charset.UTF_8)
  );
  const reply = UrlFetchApp.fetch(url, {
    method: 'post',
    contentType: 'application/json; charset=utf-8',
    payload: Utilities.newBlob(body, 'application/json').getBytes(), // the UTF-8 bytes that were signed
    headers: { 'X-Pulse-Timestamp': timestamp, 'X-Pulse-Signature': signature },
    muteHttpExceptions: true,
  });
  const status = reply.getResponseCode();
  if (status !== 200 && status !== 409) { // 409: Pulse had this response already
    throw new Error('Pulse answered ' + status + ': ' + reply.getContentText());
  }
}
