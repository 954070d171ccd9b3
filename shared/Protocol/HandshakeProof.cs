using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// The handshake's challenge-response (docs/PROTOCOL.md, "Handshake"): each side proves it holds the run's secret
/// with an HMAC-SHA256 over both nonces, so the secret never crosses the connection and a recorded Hello or
/// Welcome is worthless on any other connection (its nonces differ).
/// </summary>
public static class HandshakeProof
{
    private static ReadOnlySpan<byte> HelloLabel => "processfarm hello 3"u8;

    private static ReadOnlySpan<byte> WelcomeLabel => "processfarm welcome 3"u8;

    /// <summary>
    /// The worker's proof: HMAC-SHA256(secret, "processfarm hello 3" || challenge || worker nonce || worker id as
    /// 4 bytes big-endian || pid as 4 bytes big-endian).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static byte[] Hello(byte[] secret, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> workerNonce, uint workerId, int processId)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Span<byte> ids = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(ids, workerId);
        BinaryPrimitives.WriteInt32BigEndian(ids[4..], processId);
        return Mac(secret, HelloLabel, challenge, workerNonce, ids);
    }

    /// <summary>The coordinator's proof: HMAC-SHA256(secret, "processfarm welcome 3" || challenge || worker nonce).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static byte[] Welcome(byte[] secret, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> workerNonce)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Mac(secret, WelcomeLabel, challenge, workerNonce, []);
    }

    /// <summary>Compares a received proof with the expected one in constant time; a proof of another length never matches.</summary>
    public static bool Matches(ReadOnlySpan<byte> received, ReadOnlySpan<byte> expected) =>
        received.Length == expected.Length && CryptographicOperations.FixedTimeEquals(received, expected);

    private static byte[] Mac(byte[] secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third)
    {
        byte[] message = new byte[label.Length + first.Length + second.Length + third.Length];
        label.CopyTo(message);
        first.CopyTo(message.AsSpan(label.Length));
        second.CopyTo(message.AsSpan(label.Length + first.Length));
        third.CopyTo(message.AsSpan(label.Length + first.Length + second.Length));
        return HMACSHA256.HashData(secret, message);
    }
}
