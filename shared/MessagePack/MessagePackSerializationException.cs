namespace ProcessFarm.Shared.MessagePack;

/// <summary>
/// MessagePack data that is malformed, truncated, of an unexpected type, or declares more than it holds. The
/// message names what was found and what was expected.
/// </summary>
public sealed class MessagePackSerializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MessagePackSerializationException(string message)
        : base(message)
    {
    }
}
