using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// <c>--tls</c>: one certificate, the same on the coordinator and every node, that secures both links of the farm.
/// The silo links use Orleans' TLS with mutual authentication, and a peer is accepted only if it presents this very
/// certificate (its SHA-256 hash), so only holders of the private key join. The workers' frames to the coordinator's
/// <see cref="ClusterListener"/> run inside TLS with the coordinator as the server; a worker trusts nothing but the
/// certificate whose hash its node handed it (<see cref="Pin"/>, carried by the grain call that starts it). No CA is
/// involved, so a self-signed certificate is what a farm uses.
/// </summary>
internal sealed class FarmTls : IDisposable
{
    /// <summary>The host name both ends use in the TLS handshake; names are not checked, the pinned hash is.</summary>
    public const string TargetHost = "processfarm";

    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly X509Certificate2 _certificate;
    private readonly byte[] _hash;

    private FarmTls(X509Certificate2 certificate)
    {
        _certificate = certificate;
        _hash = certificate.GetCertHash(HashAlgorithmName.SHA256);
        Pin = Convert.ToHexStringLower(_hash);
        // Offline: a self-signed certificate has no chain to fetch, and a handshake must never wait for the network.
        ServerOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
    }

    /// <summary>The certificate's SHA-256 hash as 64 lowercase hex digits: what a worker pins (<c>--tls-pin</c>).</summary>
    public string Pin { get; }

    /// <summary>The subject, for messages.</summary>
    public string Subject => _certificate.Subject;

    /// <summary>The coordinator's side of the workers' TLS: the certificate, no client certificate (the Hello proves the secret).</summary>
    public SslServerAuthenticationOptions ServerOptions { get; }

    /// <summary>
    /// Loads a PKCS#12 file holding the certificate and its private key. The certificate's extended key usage, if it
    /// has one, must allow both server and client authentication: every silo is both.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="CryptographicException">Not PKCS#12, a wrong password, no private key, or a usage that does not fit.</exception>
    public static FarmTls Load(string path, string? password)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no such file '{path}'", path);
        }
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        try
        {
            if (!certificate.HasPrivateKey)
            {
                throw new CryptographicException($"'{path}' holds a certificate without its private key");
            }
            var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault()?.EnhancedKeyUsages;
            if (usages is not null && (usages[ServerAuthOid] is null || usages[ClientAuthOid] is null))
            {
                throw new CryptographicException($"the certificate in '{path}' must allow both server and client authentication (extended key usage)");
            }
            return new FarmTls(certificate);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>True when <paramref name="certificate"/> is the farm's own (the same SHA-256 hash).</summary>
    public bool IsFarmCertificate(X509Certificate? certificate) =>
        certificate is not null && CryptographicOperations.FixedTimeEquals(certificate.GetCertHash(HashAlgorithmName.SHA256), _hash);

    /// <summary>Orleans' TLS on the silo links: both ends present the farm's certificate and accept only it.</summary>
    public void Apply(ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.UseTls(_certificate, options =>
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            // Chain errors are expected (self-signed) and names are not checked: the hash decides.
            options.RemoteCertificateValidation = (certificate, _, _) => IsFarmCertificate(certificate);
            options.OnAuthenticateAsClient = (_, client) => client.TargetHost = TargetHost;
        });
    }

    /// <summary>
    /// Asks a silo at <paramref name="endpoint"/> for a TLS handshake, so that a coordinator and a node that disagree
    /// about --tls fail at once with a message instead of a join that times out: a TLS silo answers with its
    /// certificate, a plain one closes the connection on the first bytes (not a valid Orleans preamble).
    /// </summary>
    /// <returns>
    /// True if the silo speaks TLS with the farm's certificate (<paramref name="tls"/> given), false if it does not
    /// speak TLS, null if nothing accepted the connection or answered within <paramref name="timeout"/> (the join will tell).
    /// </returns>
    /// <exception cref="ClusterException">The silo speaks TLS with another certificate than <paramref name="tls"/>'s.</exception>
    public static async Task<bool?> ProbeAsync(IPEndPoint endpoint, FarmTls? tls, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        X509Certificate? presented = null;
        try
        {
            await socket.ConnectAsync(endpoint, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null; // nobody listening (yet): the join will wait and tell
        }
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await using var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = TargetHost,
                ClientCertificateContext = tls is null ? null : SslStreamCertificateContext.Create(tls._certificate, additionalCertificates: null, offline: true),
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return tls is not null && tls.IsFarmCertificate(certificate);
                },
            }, deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return presented is null ? null : Answered(presented, tls);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            return presented is null ? false : Answered(presented, tls);
        }
        finally
        {
            presented?.Dispose();
        }
    }

    /// <summary>The silo presented <paramref name="presented"/>, which the handshake did not accept.</summary>
    private static bool Answered(X509Certificate presented, FarmTls? tls)
    {
        if (tls is not null && tls.IsFarmCertificate(presented))
        {
            return true; // our certificate was turned down after the silo's was accepted: the join will tell why
        }
        throw new ClusterException(tls is null
            ? $"the coordinator's silo uses TLS (certificate {presented.Subject}): start this node with --tls and the same certificate file"
            : $"the coordinator's silo uses another certificate ({presented.Subject}) than --tls ({tls.Subject}): give both the same file");
    }

    public void Dispose() => _certificate.Dispose();
}
