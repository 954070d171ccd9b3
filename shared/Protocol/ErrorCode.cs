namespace ProcessFarm.Shared.Protocol;

/// <summary>Codes carried by <see cref="MessageType.Error"/> frames.</summary>
public enum ErrorCode
{
    /// <summary>The frame is not valid MessagePack or lacks fields.</summary>
    Malformed = 1,

    /// <summary>The peer speaks another protocol version.</summary>
    UnsupportedVersion = 2,

    /// <summary>The handshake's secret is not this run's.</summary>
    BadSecret = 3,

    /// <summary>The message type or the job kind is not one the protocol defines.</summary>
    UnknownKind = 4,

    /// <summary>A parameter is out of its domain (gamma &lt;= 0, geometry that does not match the payload, ...).</summary>
    InvalidArgument = 5,

    /// <summary>A shared-memory descriptor points outside the attached region.</summary>
    OutOfRange = 6,

    /// <summary>A shared-memory job arrived before any region was attached.</summary>
    NotAttached = 7,

    /// <summary>The region could not be opened or mapped, or its header is wrong.</summary>
    RegionInvalid = 8,

    /// <summary>A frame is larger than the protocol's limit.</summary>
    FrameTooLarge = 9,

    /// <summary>An unexpected failure in the worker.</summary>
    Internal = 10,

    /// <summary>A file job's input is missing, unreadable, or not a usable JPEG/PNG (corrupt, truncated, too large).</summary>
    InvalidInput = 11,

    /// <summary>A file job's output could not be written (directory missing or not writable, disk full).</summary>
    OutputFailed = 12,

    /// <summary>A message the receiver does not accept: one that travels the other way (a worker sent Hello or Result), or Welcome after the handshake.</summary>
    UnexpectedMessage = 13,
}
