namespace ProcessFarm.Shared.MessagePack;

/// <summary>The header of an ext or fixext value.</summary>
/// <param name="TypeCode">The application-defined type; negative values are reserved (-1 is the timestamp).</param>
/// <param name="Length">Bytes of data that follow the header.</param>
public readonly record struct ExtensionHeader(sbyte TypeCode, uint Length);
