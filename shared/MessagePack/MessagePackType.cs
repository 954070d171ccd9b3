namespace ProcessFarm.Shared.MessagePack;

/// <summary>The type families of the MessagePack type system.</summary>
public enum MessagePackType
{
    /// <summary>0xc1, which the spec never uses.</summary>
    Unknown = 0,

    /// <summary>Signed or unsigned integers of any width.</summary>
    Integer,

    /// <summary>nil.</summary>
    Nil,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>float 32 or float 64.</summary>
    Float,

    /// <summary>UTF-8 strings.</summary>
    String,

    /// <summary>Byte arrays.</summary>
    Binary,

    /// <summary>Arrays.</summary>
    Array,

    /// <summary>Maps.</summary>
    Map,

    /// <summary>Extension types, including the timestamp (-1).</summary>
    Extension,
}
