import t from 'tap';
import {
  authorize,
  environmentFor,
  personPrincipal,
  type Role,
  rightOn,
  tokenPrincipal,
} from '../../src/access/authorization.ts';

const token = (scope: 'read' | 'admin', environment: string | null) =>
  tokenPrincipal({
    id: 'id',
    name: 'n',
    scope,
    environment,
    createdAt: '',
    lastUsedAt: null,
    revokedAt: null,
  });

const person = (...roles: Role[]) => personPrincipal({ subject: 's', name: 'Ada', email: null, roles });

t.test('a token: scope, then environment', async (t) => {
  t.doesNotThrow(() => authorize(token('admin', null), 'admin', null));
  t.doesNotThrow(() => authorize(token('admin', null), 'read', 'production'));
  t.doesNotThrow(() => authorize(token('read', null), 'read', 'production'));
  t.doesNotThrow(() => authorize(token('read', 'staging'), 'read', 'staging'));
  t.doesNotThrow(() => authorize(token('read', 'staging'), 'read'), 'undefined skips the environment check');
  t.throws(() => authorize(token('read', null), 'admin'), {
    statusCode: 403,
    message: /needs an admin token/,
  });
  t.throws(() => authorize(token('read', 'staging'), 'read', 'production'), {
    statusCode: 403,
    message: /only use environment 'staging', not 'production'/,
  });
  t.throws(() => authorize(token('admin', 'staging'), 'admin', null), { message: /all environments/ });
  t.equal(
    environmentFor(token('read', 'staging'), undefined, 'development'),
    'staging',
    "a token's own environment",
  );
});

t.test('a person: the best role that reaches the environment', async (t) => {
  const ada = person({ right: 'read', environments: null }, { right: 'admin', environments: ['staging'] });
  t.equal(rightOn(ada, 'staging'), 'admin');
  t.equal(rightOn(ada, 'production'), 'read');
  t.equal(rightOn(ada, null), 'read', 'on every environment: what every-environment roles give');
  t.doesNotThrow(() => authorize(ada, 'admin', 'staging'));
  t.doesNotThrow(
    () => authorize(ada, 'admin'),
    'admin somewhere: the route may go on to name its environment',
  );
  t.throws(() => authorize(ada, 'admin', 'production'), {
    statusCode: 403,
    message: /Ada \(signed in\) has only the read role on environment 'production'; this needs admin/,
  });
  t.throws(() => authorize(ada, 'admin', null), {
    statusCode: 403,
    message: /admin role on every environment/,
  });
  t.doesNotThrow(() => authorize(ada, 'read', null));

  const payments = person({ right: 'admin', environments: ['staging', 'development'] });
  t.throws(() => authorize(payments, 'read', 'production'), {
    message: /no role on environment 'production'/,
  });
  t.throws(() => authorize(payments, 'read', null), { message: /read role on every environment/ });
  t.equal(
    environmentFor(payments, undefined, 'development'),
    'development',
    'a person has no environment of their own',
  );

  const reader = person({ right: 'read', environments: ['production'] });
  t.throws(() => authorize(reader, 'admin'), { message: /no admin role on any environment/ });
  t.throws(() => authorize(person(), 'read'), { message: /no read role on any environment/ });
});
