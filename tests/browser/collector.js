// A stand-in for Cognito's advanced-security collector (amazon-cognito-advanced-security-data),
// served by the browser tests from their own origin. The real script returns an opaque
// fingerprint; this one returns a fixed string built from its arguments, so a test can tell
// exactly which page called it and with what.
window.AmazonCognitoAdvancedSecurityData = {
  getData: function (username, userPoolId, clientId) {
    return ["stub-encoded-data", username, userPoolId, clientId].join(":");
  }
};
