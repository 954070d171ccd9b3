namespace ProcessFarm.Shared.MessagePack;

/// <summary>The outcome of a span-level decode in <see cref="MessagePackPrimitives"/>.</summary>
public enum DecodeResult
{
    /// <summary>The token was decoded.</summary>
    Success,

    /// <summary>The next token is of another type than asked for.</summary>
    TokenMismatch,

    /// <summary>There are no bytes at all.</summary>
    EmptyBuffer,

    /// <summary>The token starts but does not end within the bytes given.</summary>
    InsufficientBuffer,
}
