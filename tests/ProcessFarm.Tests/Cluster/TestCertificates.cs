using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ProcessFarm.Tests.Cluster;

/// <summary>Self-signed farm certificates made by the test, as the PKCS#12 files --tls takes.</summary>
internal static class TestCertificates
{
    /// <summary>
    /// Writes a fresh self-signed certificate with its private key to <paramref name="directory"/>/<paramref name="name"/>.pfx
    /// (no password, or <paramref name="password"/>) and returns the path. Each call makes a different certificate.
    /// </summary>
    public static string CreatePfx(string directory, string name = "farm", string? password = null, bool withKey = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=processfarm-test-{name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        string path = Path.Combine(directory, name + ".pfx");
        byte[] bytes = withKey
            ? certificate.Export(X509ContentType.Pfx, password)
            : X509CertificateLoader.LoadCertificate(certificate.RawData).Export(X509ContentType.Pfx, password);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The SHA-256 hash of the certificate in <paramref name="pfx"/>, as a worker's --tls-pin.</summary>
    public static string Pin(string pfx)
    {
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(pfx, null);
        return Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
    }
}
