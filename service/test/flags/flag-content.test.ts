// What a create makes of the shorthands it accepts: a create without a type takes the type of its
// defaultValue; without either it is the plain boolean switch.
import t from 'tap';
import { DomainError } from '../../src/errors.ts';
import { newContent } from '../../src/flags/flag-content.ts';

t.test(
  'a defaultValue without a type makes a flag of the value’s type, with the value as its default variant',
  async (t) => {
    const cases = [
      { defaultValue: 'abc', type: 'string' },
      { defaultValue: 3, type: 'number' },
      { defaultValue: { limit: 3 }, type: 'json' },
      { defaultValue: ['a', 'b'], type: 'json' },
    ];
    for (const { defaultValue, type } of cases) {
      t.match(
        newContent({ key: 'x', defaultValue }),
        {
          type,
          variants: { default: defaultValue },
          defaultVariant: 'default',
          offVariant: null,
          enabled: false,
        },
        `${JSON.stringify(defaultValue)} makes a ${type} flag`,
      );
    }
  },
);

t.test('a boolean defaultValue without a type is still the plain switch', async (t) => {
  t.match(newContent({ key: 'x', defaultValue: false }), {
    type: 'boolean',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    offVariant: 'off',
  });
  t.match(newContent({ key: 'x' }), { type: 'boolean', defaultVariant: 'on' }, 'a key alone too');
});

t.test('a stated type wins: a defaultValue of another type is refused, naming the type', async (t) => {
  t.throws(() => newContent({ key: 'x', type: 'boolean', defaultValue: 'abc' }), {
    code: 'INVALID_FLAG',
    message: 'defaultValue must be a boolean, because the flag type is boolean.',
  });
});

t.test(
  'variants that disagree with the type taken from defaultValue say where the type came from',
  async (t) => {
    const refusal = (() => {
      try {
        newContent({ key: 'x', defaultValue: 'abc', variants: { on: true } });
      } catch (error) {
        return error;
      }
    })();
    t.type(refusal, DomainError);
    t.match(refusal, {
      code: 'INVALID_FLAG',
      message:
        "variant 'on' must be a string, because the flag type is string; a flag sent without a type takes the type of its defaultValue (string), so send its type.",
    });
  },
);
