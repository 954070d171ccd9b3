namespace ProcessFarm.Shared.MessagePack;

/// <summary>The spec's timestamp extension (type -1): seconds since the Unix epoch plus nanoseconds.</summary>
/// <param name="Seconds">Whole seconds since 1970-01-01T00:00:00Z; may be negative.</param>
/// <param name="Nanoseconds">0..999,999,999.</param>
public readonly record struct MessagePackTimestamp(long Seconds, uint Nanoseconds);
