namespace ProcessFarm.Shared.Protocol;

/// <summary>How a payload is carried in a job or result frame.</summary>
public enum PayloadEncoding
{
    /// <summary>nil: no payload (shared-memory jobs, attach replies).</summary>
    None,

    /// <summary>A MessagePack bin holding raw bytes (tile pixels, echo bytes).</summary>
    Binary,

    /// <summary>Any single MessagePack value, written as is (structured echo payloads).</summary>
    Value,
}
