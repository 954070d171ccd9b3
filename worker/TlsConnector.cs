using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Worker;

/// <summary>
/// <c>--tls-pin HASH</c>: the worker's frames travel inside TLS, with the coordinator as the server. There is no CA:
/// the worker accepts exactly the certificate whose SHA-256 hash its node handed it (which the node got over the
/// TLS-authenticated silo link), and nothing else, whatever its name or chain. The protocol's own handshake still
/// runs inside, so a coordinator must also prove the run's secret.
/// </summary>
internal static class TlsConnector
{
    /// <summary>The host name sent in the handshake; the coordinator's certificate is matched by hash, not by name.</summary>
    private const string TargetHost = "processfarm";

    /// <summary>Completes the TLS handshake over <paramref name="socket"/> within <paramref name="timeoutMs"/>; returns the stream frames use.</summary>
    /// <remarks>The returned stream does not own <paramref name="socket"/>.</remarks>
    /// <exception cref="AuthenticationException">The coordinator presented another certificate, or TLS failed.</exception>
    /// <exception cref="IOException">The connection closed during the handshake.</exception>
    /// <exception cref="TimeoutException">The coordinator did not complete the handshake in time.</exception>
    public static SslStream Secure(DirectSocketStream socket, byte[] pin, int timeoutMs)
    {
        var tls = new SslStream(socket, leaveInnerStreamOpen: true);
        socket.ReadTimeout = timeoutMs;
        socket.ReadDeadline = System.Diagnostics.Stopwatch.GetTimestamp() + (timeoutMs * System.Diagnostics.Stopwatch.Frequency / 1000); // the whole handshake, not each read
        try
        {
            tls.AuthenticateAsClient(new SslClientAuthenticationOptions
            {
                TargetHost = TargetHost,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // Chain and name errors are expected (a self-signed certificate): only the pinned hash counts.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && CryptographicOperations.FixedTimeEquals(certificate.GetCertHash(HashAlgorithmName.SHA256), pin),
            });
            return tls;
        }
        catch
        {
            tls.Dispose();
            throw;
        }
        finally
        {
            socket.ReadTimeout = Timeout.Infinite;
            socket.ReadDeadline = 0;
        }
    }
}
