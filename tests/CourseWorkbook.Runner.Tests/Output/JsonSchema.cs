using System.Text.Json;
using System.Text.RegularExpressions;

namespace CourseWorkbook.Runner.Tests.Output;

/// <summary>
/// A small JSON Schema (draft 4) validator covering the keywords nbformat's schema uses: $ref, type, enum,
/// properties, required, additionalProperties, patternProperties, items, oneOf, not, pattern, min/maxLength,
/// minimum/maximum, uniqueItems. Returns the paths and reasons of violations (empty when valid).
/// </summary>
internal sealed class JsonSchema(JsonElement root)
{
    public static JsonSchema Load(string path) => new(JsonDocument.Parse(File.ReadAllText(path)).RootElement);

    public List<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(root, instance, "$", errors);
        return errors;
    }

    private void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(Resolve(reference.GetString()!), value, path, errors);
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            errors.Add($"{path}: expected type {type}, got {value.ValueKind}");
            return;
        }

        if (schema.TryGetProperty("enum", out var options) && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
            errors.Add($"{path}: {value} is not one of {options}");

        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var matches = oneOf.EnumerateArray().Count(s => IsValid(s, value, path));
            if (matches != 1) errors.Add($"{path}: matches {matches} of the oneOf schemas, not exactly one");
        }

        if (schema.TryGetProperty("not", out var not) && IsValid(not, value, path))
            errors.Add($"{path}: matches a 'not' schema");

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, errors);
                break;
            case JsonValueKind.Array:
                if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
                {
                    var i = 0;
                    foreach (var item in value.EnumerateArray()) Check(items, item, $"{path}[{i++}]", errors);
                }

                if (schema.TryGetProperty("uniqueItems", out var unique) && unique.GetBoolean())
                {
                    var all = value.EnumerateArray().ToList();
                    if (all.Where((a, i) => all.Skip(i + 1).Any(b => JsonElement.DeepEquals(a, b))).Any())
                        errors.Add($"{path}: items are not unique");
                }

                break;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!))
                    errors.Add($"{path}: '{text}' does not match {pattern}");
                if (schema.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32())
                    errors.Add($"{path}: shorter than {minLength}");
                if (schema.TryGetProperty("maxLength", out var maxLength) && text.Length > maxLength.GetInt32())
                    errors.Add($"{path}: longer than {maxLength}");
                break;
            case JsonValueKind.Number:
                if (schema.TryGetProperty("minimum", out var minimum) && value.GetDouble() < minimum.GetDouble())
                    errors.Add($"{path}: below minimum {minimum}");
                if (schema.TryGetProperty("maximum", out var maximum) && value.GetDouble() > maximum.GetDouble())
                    errors.Add($"{path}: above maximum {maximum}");
                break;
        }
    }

    private void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                if (!value.TryGetProperty(name, out _)) errors.Add($"{path}: missing required property '{name}'");

        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        var patterns = schema.TryGetProperty("patternProperties", out var pp) ? pp.EnumerateObject().ToList() : [];
        foreach (var property in value.EnumerateObject())
        {
            var childPath = $"{path}.{property.Name}";
            var covered = false;
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, childPath, errors);
                covered = true;
            }

            foreach (var patternProperty in patterns.Where(x => Regex.IsMatch(property.Name, x.Name)))
            {
                Check(patternProperty.Value, property.Value, childPath, errors);
                covered = true;
            }

            if (covered || !schema.TryGetProperty("additionalProperties", out var additional)) continue;
            if (additional.ValueKind == JsonValueKind.False) errors.Add($"{childPath}: additional property not allowed");
            else if (additional.ValueKind == JsonValueKind.Object) Check(additional, property.Value, childPath, errors);
        }
    }

    private bool IsValid(JsonElement schema, JsonElement value, string path)
    {
        var errors = new List<string>();
        Check(schema, value, path, errors);
        return errors.Count == 0;
    }

    private static bool TypeMatches(JsonElement type, JsonElement value) =>
        type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Any(t => TypeMatches(t, value))
            : type.GetString() switch
            {
                "object" => value.ValueKind == JsonValueKind.Object,
                "array" => value.ValueKind == JsonValueKind.Array,
                "string" => value.ValueKind == JsonValueKind.String,
                "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
                "number" => value.ValueKind == JsonValueKind.Number,
                "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "null" => value.ValueKind == JsonValueKind.Null,
                _ => true,
            };

    private JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) throw new NotSupportedException(reference);
        var node = root;
        foreach (var part in reference[2..].Split('/')) node = node.GetProperty(part.Replace("~1", "/").Replace("~0", "~"));
        return node;
    }
}
