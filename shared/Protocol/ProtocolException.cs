namespace ProcessFarm.Shared.Protocol;

/// <summary>A peer broke the protocol: bad framing, an unexpected message, or a refused handshake.</summary>
public sealed class ProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProtocolException(ErrorCode code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    /// <summary>The protocol error code that describes the failure.</summary>
    public ErrorCode Code { get; }
}
