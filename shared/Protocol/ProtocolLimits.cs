namespace ProcessFarm.Shared.Protocol;

/// <summary>Constants of the wire protocol (docs/PROTOCOL.md, "Framing" and "Handshake").</summary>
public static class ProtocolLimits
{
    /// <summary>The protocol version this build speaks.</summary>
    public const uint Version = 3;

    /// <summary>Bytes of the big-endian length that precedes each frame's body.</summary>
    public const int FrameHeaderSize = 4;

    /// <summary>The largest body a peer accepts: 1 GiB. Larger lengths are refused before buffering.</summary>
    public const int MaxFrameBytes = 1 << 30;

    /// <summary>Bytes of the per-run secret.</summary>
    public const int SecretBytes = 32;

    /// <summary>
    /// The largest handshake frame (Challenge, Hello, Welcome) a side reads before the other has proven itself: a
    /// Hello is under 200 bytes; a peer that declares more is refused before anything is buffered.
    /// </summary>
    public const uint MaxHandshakeFrameBytes = 4096;

    /// <summary>Bytes of each side's handshake nonce (Challenge's and Hello's).</summary>
    public const int NonceBytes = 32;

    /// <summary>Bytes of a handshake proof: an HMAC-SHA256.</summary>
    public const int ProofBytes = 32;

    /// <summary>
    /// How many arrays or maps deep a value inside a frame may nest: an echo payload, an unknown parameter's value, an
    /// extra field (a scalar is depth 0, <c>[[1]]</c> depth 2).
    /// </summary>
    public const int MaxDepth = 16;
}
